"""Writes a plain HDF5 file with h5py (no torch_dtype attributes, a big-endian array, a
fixed-length string, h5py's bool) for hdf5_state_reader_test.cpp to read through Hdf5StateReader."""
import sys

import h5py
import numpy as np


def main(path):
    with h5py.File(path, "w") as f:
        f["model/w"] = np.arange(6, dtype=np.float32).reshape(2, 3)
        f["model/be"] = np.array([1.5, -2.25, 1e300], dtype=">f8")
        f["model/mask"] = np.array([False, True, True])
        f["model/i16"] = np.array([-3, 4], dtype=np.int16)
        f["model/u32"] = np.array([1, 2], dtype=np.uint32)
        f["trainer/step"] = np.int64(99)
        f["trainer/lr"] = 0.5
        f["trainer/fixed"] = np.bytes_("abc")
        f.create_dataset("trainer/vlen", data="héllo", dtype=h5py.string_dtype("utf-8"))
        f.attrs["note"] = "from h5py"


if __name__ == "__main__":
    main(sys.argv[1])
