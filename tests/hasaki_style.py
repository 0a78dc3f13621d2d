"""Write a float model the way Hasaki exports it: plain `const float` arrays (no PROGMEM),
for tests that check what that layout costs on an ATtiny85."""

import numpy as np

ACT_C = {
    "relu": "v > 0.0f ? v : 0.0f",
    "sigmoid": "1.0f / (1.0f + expf(-v))",
    "tanh": "tanhf(v)",
    "linear": "v",
    "leaky_relu": "v > 0.0f ? v : 0.01f * v",
}


def write_float_header(model, path) -> None:
    dims = model.dims
    out = [f"// Architecture: {'-'.join(map(str, dims))}", "// Quantization: float", "#include <math.h>", ""]
    for k, layer in enumerate(model.layers, start=1):
        rows = ",\n    ".join("{" + ", ".join(f"{float(v):.7f}f" for v in row) + "}" for row in layer.weights)
        out.append(f"const float w{k}[{layer.n_out}][{layer.n_in}] = {{\n    {rows}\n}};")
        out.append(f"const float b{k}[{layer.n_out}] = {{" + ", ".join(f"{float(v):.7f}f" for v in layer.bias) + "};")
    width = max(dims)
    out += [
        "",
        "static void predict(const float *x, float *y)",
        "{",
        f"    float a[{width}], b[{width}];",
        "    int i, o;",
        f"    for (i = 0; i < {dims[0]}; i++) a[i] = x[i];",
    ]
    for k, layer in enumerate(model.layers, start=1):
        dst = "y" if k == len(model.layers) else "b"
        out += [
            f"    // layer {k} ({layer.activation})",
            f"    for (o = 0; o < {layer.n_out}; o++) {{",
            f"        float v = b{k}[o];",
            f"        for (i = 0; i < {layer.n_in}; i++) v += w{k}[o][i] * a[i];",
            f"        {dst}[o] = {ACT_C[layer.activation]};",
            "    }",
        ]
        if dst == "b":
            out.append(f"    for (o = 0; o < {layer.n_out}; o++) a[o] = b[o];")
    out += ["}", ""]
    path.write_text("\n".join(out))


def random_float_model(dims, acts, seed=0):
    from hasaki_hil.model.mlp import Layer, Model, identity_normalisation

    rng = np.random.default_rng(seed)
    layers = tuple(
        Layer(rng.normal(size=(o, i)).astype(np.float32) * 0.3, rng.normal(size=o).astype(np.float32) * 0.1, a)
        for i, o, a in zip(dims, dims[1:], acts)
    )
    return Model(layers=layers, name="hasaki_style", **identity_normalisation(dims[0]))
