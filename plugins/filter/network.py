# -*- coding: utf-8 -*-
# Copyright: StreamFlix platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
name: subnet_plan
short_description: Lay out the public and private subnets over the chosen availability zones
version_added: 0.1.0
description:
  - Pairs each availability zone with its public and private CIDR block and names the subnet
    C(<name>-<zone>), so the network role creates one public and one private subnet per zone.
  - Zones and CIDR blocks are matched by position; extra CIDR blocks are ignored.
positional: public_cidrs, private_cidrs, public_name, private_name
options:
  _input:
    description: The availability zones, in order.
    type: list
    elements: str
    required: true
  public_cidrs:
    description: One public CIDR block per zone.
    type: list
    elements: str
    required: true
  private_cidrs:
    description: One private CIDR block per zone.
    type: list
    elements: str
    required: true
  public_name:
    description: The name prefix of the public subnets.
    type: str
    required: true
  private_name:
    description: The name prefix of the private subnets.
    type: str
    required: true
"""

EXAMPLES = r"""
plan: "{{ ['us-east-1a', 'us-east-1b'] | streamflix.media_platform.subnet_plan(public, private, 'streamflix-public-dev', 'streamflix-private-dev') }}"
"""

RETURN = r"""
_value:
  description: One entry per subnet, public ones first, each with C(tier), C(az), C(cidr), C(name) and C(index).
  type: list
  elements: dict
"""


def subnet_plan(zones, public_cidrs, private_cidrs, public_name, private_name):
    plan = []
    for tier, cidrs, name in (("public", public_cidrs, public_name), ("private", private_cidrs, private_name)):
        for index, (zone, cidr) in enumerate(zip(zones, cidrs)):
            plan.append({"tier": tier, "az": zone, "cidr": cidr, "name": "{0}-{1}".format(name, zone), "index": index})
    return plan


class FilterModule(object):
    def filters(self):
        return {"subnet_plan": subnet_plan}
