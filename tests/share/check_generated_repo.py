"""Checks a custom-code repo written by Model Workbench, without transformers or timm installed.

Usage: check_generated_repo.py REPO_FOLDER

1. Every .py file compiles.
2. Every auto_map entry names a module file in the folder that defines the class.
3. config.json carries exactly the fields ResnetConfig.__init__ accepts by name (besides the keys every
   transformers config has), read from the generated source with `ast`.
4. With small stand-ins for transformers and timm, the generated classes run: ResnetConfig(**config.json)
   keeps every field, rejects an invalid block_type, and the models pass each field to timm's ResNet
   under timm's argument names.
Prints one line per problem and exits 1 if there is any.
"""

import ast
import json
import pathlib
import sys
import types

# Keys PretrainedConfig handles itself (ARCHITECTURE.md, "Formats: transformers config and save_pretrained") plus what save_pretrained adds.
COMMON_KEYS = {
    "model_type", "architectures", "auto_map", "torch_dtype", "dtype", "transformers_version",
    "id2label", "label2id", "num_labels", "problem_type", "return_dict", "output_hidden_states",
    "output_attentions", "torchscript", "use_bfloat16", "tf_legacy_loss", "pruned_heads",
    "tie_word_embeddings", "chunk_size_feed_forward", "is_encoder_decoder", "is_decoder",
    "add_cross_attention", "tie_encoder_decoder", "cross_attention_hidden_size", "finetuning_task",
    "task_specific_params", "tokenizer_class", "prefix", "bos_token_id", "pad_token_id", "eos_token_id",
    "sep_token_id", "decoder_start_token_id", "_name_or_path", "_commit_hash",
}

problems = []


def class_defs(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    return {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}


def init_parameters(class_node):
    for node in class_node.body:
        if isinstance(node, ast.FunctionDef) and node.name == "__init__":
            names = [a.arg for a in node.args.args[1:]] + [a.arg for a in node.args.kwonlyargs]
            return names, node.args.kwarg is not None
    return [], False


def check_compiles(repo):
    for path in sorted(repo.glob("*.py")):
        try:
            compile(path.read_text(), str(path), "exec")
        except SyntaxError as error:
            problems.append(f"{path.name}: does not compile: {error}")


def check_auto_map(repo, config):
    for auto_class, reference in config.get("auto_map", {}).items():
        module, _, cls = reference.rpartition(".")
        path = repo / f"{module}.py"
        if not path.exists():
            problems.append(f"auto_map.{auto_class}: {path.name} is missing")
        elif cls not in class_defs(path):
            problems.append(f"auto_map.{auto_class}: {path.name} does not define {cls}")


def check_config_fields(repo, config):
    classes = class_defs(repo / "configuration_resnet.py")
    if "ResnetConfig" not in classes:
        problems.append("configuration_resnet.py: no class ResnetConfig")
        return
    params, has_kwargs = init_parameters(classes["ResnetConfig"])
    if not has_kwargs:
        problems.append("ResnetConfig.__init__ does not accept **kwargs")
    own = set(config) - COMMON_KEYS
    for key in sorted(own - set(params)):
        problems.append(f"config.json field {key!r} is not a parameter of ResnetConfig.__init__")
    for key in sorted(set(params) - own):
        problems.append(f"ResnetConfig.__init__ parameter {key!r} is missing from config.json")


def install_stand_ins():
    """Minimal transformers and timm: just what the generated code touches."""
    import torch

    class PretrainedConfig:
        def __init__(self, **kwargs):
            for key, value in kwargs.items():
                setattr(self, key, value)

    class PreTrainedModel(torch.nn.Module):
        def __init__(self, config):
            super().__init__()
            self.config = config

    class ResNet(torch.nn.Module):
        def __init__(self, block, layers, **kwargs):
            super().__init__()
            self.block, self.layers, self.kwargs = block, layers, kwargs
            self.fc = torch.nn.Linear(kwargs["in_chans"], max(kwargs["num_classes"], 1))

        def forward_features(self, x):
            return x

        def forward(self, x):
            return self.fc(x.mean(dim=(2, 3)))

    transformers = types.ModuleType("transformers")
    transformers.PretrainedConfig = PretrainedConfig
    transformers.PreTrainedModel = PreTrainedModel
    timm = types.ModuleType("timm")
    timm_models = types.ModuleType("timm.models")
    timm_resnet = types.ModuleType("timm.models.resnet")
    timm_resnet.ResNet = ResNet
    timm_resnet.BasicBlock = type("BasicBlock", (), {})
    timm_resnet.Bottleneck = type("Bottleneck", (), {})
    sys.modules.update({"transformers": transformers, "timm": timm, "timm.models": timm_models,
                        "timm.models.resnet": timm_resnet})


def check_runs(repo, config):
    import importlib

    install_stand_ins()
    package = types.ModuleType("generated_repo")
    package.__path__ = [str(repo)]
    sys.modules["generated_repo"] = package
    configuration = importlib.import_module("generated_repo.configuration_resnet")
    modeling = importlib.import_module("generated_repo.modeling_resnet")

    cfg = configuration.ResnetConfig(**config)
    for key, value in config.items():
        if getattr(cfg, key, None) != value:
            problems.append(f"ResnetConfig(**config.json).{key} is {getattr(cfg, key, None)!r}, expected {value!r}")
    try:
        configuration.ResnetConfig(block_type="triple")
        problems.append("ResnetConfig accepted block_type='triple'")
    except ValueError:
        pass

    import torch

    expected = {"num_classes": config["num_classes"], "in_chans": config["input_channels"],
                "cardinality": config["cardinality"], "base_width": config["base_width"],
                "stem_width": config["stem_width"], "stem_type": config["stem_type"],
                "avg_down": config["avg_down"]}
    for name in ("ResnetModel", "ResnetModelForImageClassification"):
        model = getattr(modeling, name)(cfg)
        resnet = model.model
        if resnet.kwargs != expected or list(resnet.layers) != config["layers"]:
            problems.append(f"{name} builds ResNet({resnet.layers}, {resnet.kwargs}), expected {expected}")
        if resnet.block.__name__ != {"basic": "BasicBlock", "bottleneck": "Bottleneck"}[config["block_type"]]:
            problems.append(f"{name} uses {resnet.block.__name__} for block_type {config['block_type']}")
    if problems:
        return
    classifier = modeling.ResnetModelForImageClassification(cfg)
    pixels = torch.zeros(2, config["input_channels"], 8, 8)
    out = classifier(pixels, labels=torch.zeros(2, dtype=torch.long))
    if set(out) != {"loss", "logits"}:
        problems.append(f"ResnetModelForImageClassification returns {sorted(out)}, expected loss and logits")


def main():
    repo = pathlib.Path(sys.argv[1])
    config = json.loads((repo / "config.json").read_text())
    check_compiles(repo)
    check_auto_map(repo, config)
    check_config_fields(repo, config)
    if not problems:
        check_runs(repo, config)
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
