"""Fold configs of the cross-validation runner."""

import pytest
from mmengine.config import Config

from mmcosa.apis import fold_config


def test_fold_config_unwraps_datasets(tmp_path):
    phantom = dict(type='BUSPhantomDataset', fold=0, num_folds=5)
    cfg = Config(
        dict(
            train_dataloader=dict(
                dataset=dict(
                    type='RepeatDataset', times=2, dataset=dict(phantom)
                )
            ),
            val_dataloader=dict(
                dataset=dict(
                    type='ConcatDataset',
                    datasets=[
                        dict(type='BUSDataset', data_root='a'),
                        dict(type='BUSDataset', data_root='b'),
                    ],
                )
            ),
            test_dataloader=dict(dataset=dict(phantom)),
            test_dataloaders=dict(
                a=dict(dataset=dict(type='BUSDataset', data_root='a'))
            ),
            visualizer=dict(type='Visualizer', name='visualizer'),
        )
    )
    (tmp_path / 'last_checkpoint').write_text('x')
    out = fold_config(cfg, 3, 4, str(tmp_path))
    assert out.train_dataloader.dataset.dataset.fold == 3
    assert out.train_dataloader.dataset.dataset.num_folds == 4
    assert [d.fold for d in out.val_dataloader.dataset.datasets] == [3, 3]
    # BUSDataset checks num_folds against its meta.json
    assert out.val_dataloader.dataset.datasets[0].num_folds == 4
    assert out.test_dataloaders.a.dataset.fold == 3
    assert out.test_dataloader.dataset.fold == 3
    assert out.work_dir == str(tmp_path) and out.resume is True
    assert out.visualizer.name.startswith('fold_3_')
    assert cfg.test_dataloader.dataset.fold == 0  # the original is intact
    bad = Config(dict(test_dataloader=dict(dataset=dict(type='ADE20K'))))
    with pytest.raises(ValueError, match='test_dataloader has no dataset'):
        fold_config(bad, 0, 5, str(tmp_path))
    bad = Config(dict(test_dataloaders=dict(x=dict(dataset=dict(type='A')))))
    with pytest.raises(ValueError, match=r"test_dataloaders\['x'\] has no"):
        fold_config(bad, 0, 5, str(tmp_path))
