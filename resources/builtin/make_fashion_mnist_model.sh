#!/bin/sh
# Trains the built-in Fashion-MNIST model with the app's own `mwb train` and packs it into
# resources/builtin/fashion-mnist/ (fp16 safetensors, config.json with id2label, preprocessor config,
# recipe, sample images). This is the exact command that produced the shipped model.
#
# Usage: resources/builtin/make_fashion_mnist_model.sh MWB WORKDIR
#   MWB      the mwb binary (build/dev/app/mwb)
#   WORKDIR  where the run writes its checkpoints and log (outside the repository)
# A killed run is resumed by running the script again (it passes --resume when a checkpoint exists).
#
# Model: timm-style ResNet, basic blocks, layers [1,1,1,1], 1 input channel, native 28x28 input.
# Chosen for the time budget: a 2-core machine shared with other builds, about an hour of training.
# One intra-op thread: with the cores oversubscribed, two OpenMP threads ran 3x slower than one.
#
# Two stages, exactly as the shipped model was made:
#   1. 7 epochs from fresh weights, pad-and-crop + flip augmentation (90.42 % on the test set). The
#      shipped run was killed once (epoch 6, step 400) and resumed from its checkpoint with the same
#      options, which the resume test shows gives the same weights as an uninterrupted run.
#   2. 3 epochs of fine-tuning without augmentation at a lower learning rate, 2 threads (the machine
#      had gone quiet): 91.84 % (fp32), 91.85 % after packing as fp16.
# Below the issue's 93 %: a run at 56 px input (4x the compute) did not fit in the session.
set -eu
MWB=$1
WORK=$2
HERE=$(cd "$(dirname "$0")" && pwd)
DATA=/usr/share/datasets/fashion-mnist
mkdir -p "$WORK"
cat > "$WORK/config.json" <<'JSON'
{"model_type": "resnet", "architectures": ["ResnetModelForImageClassification"], "block_type": "basic",
 "layers": [1, 1, 1, 1], "input_channels": 1, "num_classes": 10, "stem_type": ""}
JSON
RESUME=""
if [ -f "$WORK/run/checkpoint/state.json" ] || [ -f "$WORK/run/checkpoint.old/state.json" ]; then
    RESUME="--resume $WORK/run"
fi
nice -n 5 "$MWB" train "$WORK/config.json" --data "$DATA" --epochs 7 --batch-size 128 --lr 0.002 \
    --optimizer adamw --weight-decay 0.05 --warmup-epochs 0.5 --seed 0 --threads 1 \
    --checkpoint-every 100 --log-every 50 $RESUME -o "$WORK/run"
nice -n 5 "$MWB" train "$WORK/run" --data "$DATA" --epochs 3 --batch-size 128 --lr 0.0003 \
    --optimizer adamw --weight-decay 0.05 --warmup-epochs 0.2 --no-augment --seed 1 --threads 2 \
    --checkpoint-every 100 --log-every 50 -o "$WORK/stage2"
/usr/bin/python3 "$HERE/pack_builtin_model.py" "$WORK/stage2" "$HERE/fashion-mnist"
