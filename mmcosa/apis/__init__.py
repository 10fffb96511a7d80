from .image_io import (
    IMAGE_EXTENSIONS,
    ImageReadError,
    list_images,
    read_image,
    to_bgr,
)
from .infer_runner import CSV_FIELDS, run_inference
from .inference import (
    build_inference_pipeline,
    collect_inputs,
    inference_model,
    init_model,
)
from .overlay import draw_overlay, margin_ring
from .prediction import BUSPrediction

__all__ = [
    'IMAGE_EXTENSIONS',
    'ImageReadError',
    'list_images',
    'read_image',
    'to_bgr',
    'CSV_FIELDS',
    'run_inference',
    'build_inference_pipeline',
    'collect_inputs',
    'inference_model',
    'init_model',
    'draw_overlay',
    'margin_ring',
    'BUSPrediction',
]
