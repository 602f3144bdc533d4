"""Reads a state file written by state_file_test.cpp (StateFile.PythonReadsWhatCurvlabWrites) with
h5py and checks every value, dtype, string and attribute, recomputes the checksum from its
definition in docs/checkpoint-format.md, and loads /model into a torch.nn module the way the doc's
example does. Exit status 0 = pass."""
import sys
import zlib

import h5py
import numpy as np
import torch


def state_checksum(f):
    """CRC32 over path\\0dtype\\0shape\\0raw-bytes of every dataset, in sorted path order."""
    paths = []
    f.visititems(lambda name, obj: paths.append(name) if isinstance(obj, h5py.Dataset) else None)
    crc = 0
    for path in sorted(paths):
        ds = f[path]
        shape = ",".join(str(d) for d in ds.shape)
        if h5py.check_string_dtype(ds.dtype) is not None:
            dtype, raw = "string", ds[()]
            raw = raw.encode("utf-8") if isinstance(raw, str) else bytes(raw)
        else:
            dtype = ds.attrs.get("torch_dtype", ds.dtype.name)
            arr = np.asarray(ds[()])
            raw = arr.astype(arr.dtype.newbyteorder("<")).tobytes()
        crc = zlib.crc32(b"\0".join([path.encode(), dtype.encode(), shape.encode(), raw]), crc)
    return f"{crc & 0xFFFFFFFF:08x}"


def load_model_state(f):
    """The doc's example: /model/<state_dict key> -> torch tensors with their original dtype."""
    state = {}
    for key, ds in f["model"].items():
        value = torch.from_numpy(np.asarray(ds[()]))
        dtype = ds.attrs.get("torch_dtype")
        if dtype is not None:
            value = value.to(getattr(torch, dtype))
        state[key] = value
    return state


def check(condition, what):
    if not condition:
        print("FAILED:", what)
        sys.exit(1)


def main(path):
    with h5py.File(path, "r") as f:
        # Attributes: str in h5py 3.
        check(f.attrs["format"] == "curvlab-state-1", f"format {f.attrs['format']!r}")
        check(f.attrs["job_text"] == '[job]\nkind = "train"\n', "job_text")
        check(f.attrs["step"] == "12", "step attribute")
        computed = state_checksum(f)
        check(f.attrs["checksum_crc32"] == computed,
              f"checksum stored {f.attrs['checksum_crc32']} computed {computed}")

        w = f["model/fc.weight"]
        check(w.dtype == np.float32 and w.shape == (2, 3), f"fc.weight {w.dtype} {w.shape}")
        expected_w = np.arange(6, dtype=np.float32).reshape(2, 3) * 0.5 - 1
        check(np.array_equal(w[()], expected_w),
              f"fc.weight max diff {np.abs(w[()] - expected_w).max()}")
        check(w.attrs["torch_dtype"] == "float32", "fc.weight torch_dtype")
        check(np.array_equal(f["model/fc.bias"][()], np.array([0.25, -0.5], np.float32)), "bias")
        mask = f["model/mask"][()]
        check(mask.dtype == np.bool_ and mask.tolist() == [True, False, True], f"mask {mask!r}")
        half = f["model/half"]
        check(half.dtype == np.float32 and half.attrs["torch_dtype"] == "float16", "half dtype")
        check(half[()].tolist() == [1.5, -2.0], "half values")
        check(f["model/empty"].shape == (0, 3) and f["model/empty"].dtype == np.float64, "empty")
        count = f["model/count"]
        check(count.shape == () and count.dtype == np.int64 and count[()] == 7, "0-d count")
        rng = f["rng/torch_cpu"][()]
        check(rng.dtype == np.uint8 and rng.tolist() == list(range(16)), "rng state")
        check(f["trainer/step"][()] == 12 and f["trainer/step"].dtype == np.int64, "step")
        check(f["trainer/lr"][()] == 0.125 and f["trainer/lr"].dtype == np.float64, "lr")
        check(f["trainer/name"].asstr()[()] == "κ-FAC ✓", "name as str")
        check(f["trainer/name"][()] == "κ-FAC ✓".encode(), "name as bytes")

        state = load_model_state(f)
        check(state["half"].dtype == torch.float16 and state["mask"].dtype == torch.bool,
              "restored dtypes")
        check(state["count"].dim() == 0 and state["empty"].shape == (0, 3), "restored shapes")

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = torch.nn.Linear(3, 2)

    net = Net()
    net.load_state_dict({k: state[k] for k in ("fc.weight", "fc.bias")})
    out = net.fc(torch.ones(1, 3))
    expected = torch.from_numpy(expected_w).sum(1) + torch.tensor([0.25, -0.5])
    check(torch.allclose(out[0], expected, atol=1e-6),
          f"Linear output max diff {(out[0] - expected).abs().max().item()}")
    print("h5py read OK:", path)


if __name__ == "__main__":
    main(sys.argv[1])
