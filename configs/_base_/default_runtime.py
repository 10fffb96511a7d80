# Runtime shared by every mmcosa config (mmseg's default_runtime, plus the
# plugin import so configs run with mmseg's own tools too).
default_scope = 'mmseg'
custom_imports = dict(imports=['mmcosa'], allow_failed_imports=False)
env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'),
)
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(
    type='SegLocalVisualizer', vis_backends=vis_backends, name='visualizer'
)
log_level = 'INFO'
load_from = None
resume = False
# One seed for every config: two runs of a config (and every fold of a
# cross-validation) start from the same weights and data order.
# On a GPU, bit-identical runs also need deterministic=True (slower).
randomness = dict(seed=0)
# Set elsewhere: tta_model by each model base (the wrapper that fits its
# outputs), log_processor by each schedule (by epoch or by iteration).
