from .cosa_neck import COSANeck
from .gap_neck import GAPNeck
from .sa_neck import SANeck
from .two_input_attention import TwoInputSelfAttention

__all__ = ['COSANeck', 'GAPNeck', 'SANeck', 'TwoInputSelfAttention']
