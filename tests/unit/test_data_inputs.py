"""Cross-field checks of the data tier's inputs."""

from __future__ import annotations

import pytest

from ansible_collections.streamflix.media_platform.plugins.module_utils.inputs import data_errors

VALID = {
    "streamflix_db_min_acu": 0.5,
    "streamflix_db_max_acu": 2,
    "streamflix_db_reader_count": 1,
    "streamflix_db_backup_retention_days": 7,
    "streamflix_db_backup_window": "03:00-04:00",
    "streamflix_db_maintenance_window": "sun:04:30-sun:05:30",
    "streamflix_cache_nodes": 2,
    "streamflix_cache_snapshot_retention_days": 1,
    "streamflix_cache_snapshot_window": "02:00-03:00",
    "streamflix_cache_maintenance_window": "sun:05:30-sun:06:30",
}


def test_valid_inputs_pass():
    assert data_errors(VALID) == []


@pytest.mark.parametrize(
    "changes, variable",
    [
        ({"streamflix_db_min_acu": 4, "streamflix_db_max_acu": 2}, "streamflix_db_min_acu (4) must not exceed"),
        ({"streamflix_db_min_acu": 0.3}, "streamflix_db_min_acu"),
        ({"streamflix_db_max_acu": 0.5}, "streamflix_db_max_acu"),
        ({"streamflix_db_max_acu": 300}, "streamflix_db_max_acu"),
        ({"streamflix_db_max_acu": "2"}, "streamflix_db_max_acu"),
        ({"streamflix_db_min_acu": True}, "streamflix_db_min_acu"),
        ({"streamflix_db_reader_count": -1}, "streamflix_db_reader_count"),
        ({"streamflix_db_reader_count": 16}, "streamflix_db_reader_count"),
        ({"streamflix_db_backup_retention_days": 6}, "streamflix_db_backup_retention_days"),
        ({"streamflix_db_backup_window": "3-4"}, "streamflix_db_backup_window"),
        ({"streamflix_db_backup_window": "24:00-01:00"}, "streamflix_db_backup_window"),
        ({"streamflix_db_maintenance_window": "sunday 4am"}, "streamflix_db_maintenance_window"),
        ({"streamflix_cache_nodes": 1}, "streamflix_cache_nodes"),
        ({"streamflix_cache_nodes": 7}, "streamflix_cache_nodes"),
        ({"streamflix_cache_snapshot_retention_days": 0}, "streamflix_cache_snapshot_retention_days"),
        ({"streamflix_cache_snapshot_window": "02:00"}, "streamflix_cache_snapshot_window"),
        ({"streamflix_cache_maintenance_window": "xyz:05:30-sun:06:30"}, "streamflix_cache_maintenance_window"),
    ],
)
def test_bad_data_inputs_name_the_variable(changes, variable):
    errors = data_errors(dict(VALID, **changes))
    assert len(errors) == 1 and variable in errors[0]
