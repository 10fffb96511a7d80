"""Fixtures of the tools tests."""

import pytest

from ..tiny_job import write_tiny_config, write_tiny_data


@pytest.fixture
def tiny_job(tmp_path):
    """A data folder and a config path; returns a small namespace dict."""
    data_root = str(tmp_path / 'data')
    write_tiny_data(data_root)
    cfg = write_tiny_config(str(tmp_path / 'tiny.py'), data_root)
    return dict(root=tmp_path, data_root=data_root, config=cfg)
