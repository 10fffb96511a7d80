#!/usr/bin/env bash
# GPU check of the performance figures (README, section "Performance"), in one go on
# a CUDA machine (made for a lent H200, about 4-5 minutes, every step
# bounded by `timeout`, 7.5 minutes at worst):
#   1. tools/benchmark.py --device cuda, batch 2 fp32 (the CPU table's
#      setting, with a torch.profiler diff MTL vs MTL-COSA);
#   2. tools/benchmark.py --device cuda --amp --channels-last, batch 32
#      (throughput, achieved TFLOP/s against --peak-tflops, data pipeline
#      and the dataloader workers the measured throughput needs);
#   3. a short real training of MTL-COSA r101 at 256x256 on the phantom
#      (tools/train.py --amp, 100 iterations, validation at the end);
#   4. bash tools/dist_train.sh CONFIG 1 (nccl), 40 iterations.
# Everything lands in $OUT (default ./gpu_check_out): gpu_check.log (all
# output), summary.md (the benchmark tables), bench_cuda_b2.json,
# bench_cuda_amp_b32.json, train_r101.log, dist_train.log, nvidia_smi.txt.
#
# The machine needs the OpenMMLab stack. A bare image with torch but
# without it (the lent H200: Python 3.12) gets it from wheels carried in
# .whl/, fetched beforehand on a machine with PyPI:
#   bash tools/gpu_check.sh download          # here: .whl/ (~15 MB)
# then, on the GPU machine (the device tool: carry [".whl"]):
#   bash tools/gpu_check.sh
set -uo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO"

if [[ "${1:-}" == "download" ]]; then
    # Pure-Python wheels plus the cp312 builds of the compiled ones; the
    # versions are those of requirements/pinned.txt and their tested deps.
    grep -qx '/.whl/' .git/info/exclude 2>/dev/null \
        || echo '/.whl/' >> .git/info/exclude
    mkdir -p .whl
    python3 -m pip download --no-deps --only-binary=:all: \
        --python-version "${PYVER:-3.12}" --implementation cp \
        --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 \
        --platform manylinux2014_x86_64 -d .whl \
        mmengine==0.10.7 mmcv-lite==2.1.0 mmsegmentation==1.2.2 \
        mmpretrain==1.2.0 usaugment==1.0.1 albumentations==2.0.8 \
        albucore==0.0.24 pydantic==2.13.4 pydantic-core==2.46.4 \
        typing-inspection==0.4.2 annotated-types==0.7.0 \
        typing-extensions==4.15.0 simsimd==6.5.16 stringzilla==5.3.2 \
        addict==2.4.0 termcolor==3.3.0 yapf==0.43.0 platformdirs==4.14.8 \
        prettytable==3.18.0 wcwidth==0.7.0 ftfy==6.3.1 mat4py==0.6.0 \
        modelindex==0.0.2 model-index==0.1.11 ordered-set==4.1.0 \
        openpyxl==3.1.5 et-xmlfile==2.0.0 setuptools==81.0.0
    exit $?
fi

OUT=${OUT:-$REPO/gpu_check_out}
WORK=${WORK:-/tmp/mmcosa_gpu_check}
mkdir -p "$OUT" "$WORK"
LOG="$OUT/gpu_check.log"
exec > >(tee -a "$LOG") 2>&1
START=$SECONDS
step() { echo; echo "=== [$((SECONDS - START)) s] $*"; }

step 'environment'
if ! command -v python > /dev/null; then  # dist_train.sh calls `python`
    mkdir -p "$WORK/bin" && ln -sf "$(command -v python3)" "$WORK/bin/python"
    export PATH="$WORK/bin:$PATH"
fi
if ! python -c 'import mmengine, mmseg, mmpretrain, usaugment' 2> /dev/null
then
    if ! ls .whl/*.whl > /dev/null 2>&1; then
        echo 'The OpenMMLab stack is missing and no .whl/ was carried:'
        echo 'run `bash tools/gpu_check.sh download` on a machine with PyPI.'
        exit 2
    fi
    python -m pip install -q --no-index --no-deps --no-compile \
        --no-cache-dir --upgrade --target "$WORK/site" .whl/*.whl || exit 2
    export PYTHONPATH="$WORK/site${PYTHONPATH:+:$PYTHONPATH}"
fi
export PYTHONPATH="$REPO${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONUNBUFFERED=1
nvidia-smi > "$OUT/nvidia_smi.txt" 2>&1
head -n 15 "$OUT/nvidia_smi.txt"
python -c 'import torch, mmcosa; print("torch", torch.__version__,
"cuda", torch.version.cuda, torch.cuda.get_device_name(0))' || exit 2

# fp32 convolutions run as TF32 in cuDNN by default: the H200's dense TF32
# peak is 494 TFLOP/s (bf16: 989).
step 'benchmark, CUDA fp32, batch 2 (the CPU setting), with profile'
timeout 110 python tools/benchmark.py --device cuda --batch-size 2 \
    --repeats 10 --warmup 3 --threads 8 --data-images 0 --profile \
    --peak-tflops "${PEAK_TFLOPS_TF32:-494}" --out "$OUT/bench_cuda_b2.json"
echo "exit status $?"

step 'benchmark, CUDA AMP bf16 + channels-last, batch 32, data pipeline'
timeout 150 python tools/benchmark.py --device cuda --amp \
    --channels-last --batch-size 32 --repeats 10 --warmup 3 --threads 8 \
    --data-images 40 --data-passes 2 --peak-tflops "${PEAK_TFLOPS:-989}" \
    --out "$OUT/bench_cuda_amp_b32.json"
echo "exit status $?"

# The r18 phantom demo config, turned into the paper's network: ResNet-101
# at 256x256, batch 12, AMP.
R101=(
    model.backbone.depth=101
    'model.decode_head.in_channels=[64,256,512,1024,2048]'
    model.cls_neck.in_channels=2048 model.cls_head.in_channels=2048
    'model.data_preprocessor.size=(256,256)'
    'train_dataloader.dataset.img_size=(256,256)'
    'val_dataloader.dataset.img_size=(256,256)'
    'test_dataloader.dataset.img_size=(256,256)'
    train_dataloader.batch_size=12 train_dataloader.num_workers=4
    train_dataloader.persistent_workers=True
    train_dataloader.dataset.num_samples=240
    val_dataloader.dataset.num_samples=240
    test_dataloader.dataset.num_samples=240
)
step 'short training: MTL-COSA r101 256x256 on the phantom, GPU, AMP'
timeout 130 python tools/train.py configs/mtl_cosa_r18_phantom.py --amp \
    --work-dir "$WORK/train_r101" --cfg-options "${R101[@]}" \
    train_cfg.max_iters=100 train_cfg.val_interval=100 \
    default_hooks.checkpoint.interval=100 default_hooks.logger.interval=10
echo "exit status $?"
cp "$(ls -t "$WORK"/train_r101/*/*.log | head -n 1)" "$OUT/train_r101.log"

step 'dist_train.sh CONFIG 1 (nccl)'
PORT=${PORT:-29533} timeout 100 bash tools/dist_train.sh \
    configs/mtl_cosa_r18_phantom.py 1 --work-dir "$WORK/dist" \
    --cfg-options train_cfg.max_iters=40 train_cfg.val_interval=40 \
    default_hooks.checkpoint.interval=40 default_hooks.logger.interval=10
echo "exit status $?"
DIST_LOG=$(ls -t "$WORK"/dist/*/*.log | head -n 1)
cp "$DIST_LOG" "$OUT/dist_train.log"
grep -m 3 -i -E 'backend|nccl|world_size|launcher' "$DIST_LOG"

step 'summary'
python - "$OUT" << 'EOF'
import json, os, sys
from mmcosa.benchmark import format_report
out = sys.argv[1]
parts = []
for name in ('bench_cuda_b2.json', 'bench_cuda_amp_b32.json'):
    path = os.path.join(out, name)
    if os.path.exists(path):
        with open(path) as f:
            parts += [f'## {name}', '', format_report(json.load(f)), '']
for name in ('train_r101.log', 'dist_train.log'):
    path = os.path.join(out, name)
    if os.path.exists(path):
        lines = [l for l in open(path) if 'Iter(' in l or 'mIoU' in l
                 or 'DSC' in l or 'ACC' in l]
        parts += [f'## {name} (last lines)', '', '```', *[
            l.rstrip() for l in lines[-4:]], '```', '']
with open(os.path.join(out, 'summary.md'), 'w') as f:
    f.write('\n'.join(parts))
print('\n'.join(parts))
EOF
step "done in $((SECONDS - START)) s"
