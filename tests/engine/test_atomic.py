"""Atomic writes: whole or not at all, the umask's permissions, errors naming the user's path."""

import os
import stat

import pytest

from engine.files.atomic import check_writable, current_umask, file_mode, temporary_stem, write_atomically


def test_writes_whole_files_with_the_umask_permissions(tmp_path):
    old = os.umask(0o077)
    try:
        assert current_umask() == 0o077 and file_mode() == 0o600
        os.umask(0o002)
        path = write_atomically(tmp_path / "a.csv", lambda f: f.write(b"x,y\n"))
    finally:
        os.umask(old)
    assert path.read_bytes() == b"x,y\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o664


def test_a_failing_writer_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "curves.csv"
    path.write_bytes(b"old")

    def half_then_fail(f):
        f.write(b"new, but only ha")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        write_atomically(path, half_then_fail)
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["curves.csv"]


def test_os_errors_name_the_users_path_not_the_temporary_file(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError) as info:
        write_atomically(tmp_path / "missing" / "plot.png", lambda f: f.write(b"png"))
    assert f"cannot write {tmp_path / 'missing' / 'plot.png'}" in str(info.value)

    def replace_fails(src, dst):
        raise OSError(28, "No space left on device", src)

    monkeypatch.setattr(os, "replace", replace_fails)
    with pytest.raises(OSError) as info:
        write_atomically(tmp_path / "plot.png", lambda f: f.write(b"png"))
    message = str(info.value)
    assert f"cannot write {tmp_path / 'plot.png'}: No space left on device" in message
    assert ".tmp" not in message
    assert list(tmp_path.iterdir()) == []


def test_check_writable(tmp_path):
    assert check_writable(tmp_path / "m.npz") == tmp_path / "m.npz"
    with pytest.raises(FileNotFoundError, match="does not exist"):
        check_writable(tmp_path / "no" / "m.npz")
    with pytest.raises(IsADirectoryError, match="is a folder"):
        check_writable(tmp_path)
    (tmp_path / "file").write_text("")
    with pytest.raises(NotADirectoryError, match="is not a folder"):
        check_writable(tmp_path / "file" / "m.npz")


@pytest.mark.parametrize("length", [241, 242, 250, 255])
def test_names_up_to_the_file_systems_limit_can_be_written(tmp_path, length):
    """``.{name}.XXXXXXXX.tmp`` adds 14 bytes: the temporary name is cut so that it fits too."""
    name_max = os.pathconf(tmp_path, "PC_NAME_MAX") if hasattr(os, "pathconf") else 255
    name = ("m" * name_max)[:length - len(".npz")] + ".npz"
    seen = []
    path = write_atomically(tmp_path / name, lambda f: seen.extend(p.name for p in tmp_path.iterdir())
                            or f.write(b"ok"))
    assert path.read_bytes() == b"ok" and [p.name for p in tmp_path.iterdir()] == [name]
    (temporary,) = seen
    assert len(os.fsencode(temporary)) <= name_max and temporary.endswith(".tmp")


def test_a_long_name_of_many_byte_characters_is_cut_at_a_character(tmp_path):
    name = "é" * 125 + ".png"  # 254 bytes in UTF-8
    path = write_atomically(tmp_path / name, lambda f: f.write(b"png"))
    assert path.read_bytes() == b"png"
    assert temporary_stem(tmp_path / name) == "é" * 120  # 240 of the 241 bytes: whole characters
    assert temporary_stem(tmp_path / "short.csv") == "short.csv"


def test_a_name_past_the_limit_still_fails_naming_the_path(tmp_path):
    with pytest.raises(OSError, match=r"cannot write .*m{256}"):
        write_atomically(tmp_path / ("m" * 256), lambda f: f.write(b"x"))
