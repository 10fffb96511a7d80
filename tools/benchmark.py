"""Alias of ``tools/analysis_tools/benchmark.py`` (same arguments)."""

import os.path as osp
import runpy

if __name__ == '__main__':
    runpy.run_path(
        osp.join(
            osp.dirname(osp.abspath(__file__)),
            'analysis_tools',
            'benchmark.py',
        ),
        run_name='__main__',
    )
