from mmcosa.visualization import draw_overlay, margin_ring

from .crossval import fold_config, load_fold_results, run_crossval, run_fold
from .image_io import (
    IMAGE_EXTENSIONS,
    ImageReadError,
    InputFrame,
    list_images,
    read_frames,
    read_image,
    to_bgr,
)
from .infer_runner import CSV_FIELDS, run_inference
from .inference import (
    attach_frame_info,
    build_inference_pipeline,
    collect_inputs,
    inference_model,
    init_model,
    load_inputs,
    make_predictor,
)
from .prediction import BUSPrediction

__all__ = [
    'fold_config',
    'load_fold_results',
    'run_crossval',
    'run_fold',
    'IMAGE_EXTENSIONS',
    'ImageReadError',
    'InputFrame',
    'list_images',
    'read_frames',
    'read_image',
    'to_bgr',
    'CSV_FIELDS',
    'run_inference',
    'attach_frame_info',
    'build_inference_pipeline',
    'collect_inputs',
    'inference_model',
    'init_model',
    'load_inputs',
    'make_predictor',
    'draw_overlay',
    'margin_ring',
    'BUSPrediction',
]
