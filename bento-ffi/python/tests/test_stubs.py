"""The shipped type stubs: present, up to date, and useful to mypy."""

import os
import pathlib
import subprocess
import sys

import pytest

import bento

HERE = pathlib.Path(__file__).parent
PACKAGE = pathlib.Path(bento.__file__).parent
README = HERE.parent.parent / "README.md"


def test_stubs_and_py_typed_are_installed():
    assert (PACKAGE / "py.typed").is_file()
    assert (PACKAGE / "__init__.pyi").is_file()


def test_stubs_are_up_to_date():
    sys.path.insert(0, str(HERE.parent))
    try:
        import gen_stubs
    finally:
        sys.path.pop(0)
    shipped = (PACKAGE / "__init__.pyi").read_text(encoding="utf-8")
    assert shipped == gen_stubs.stubs(), "run `python bento-ffi/python/gen_stubs.py --write`"


def readme_python_examples():
    text = README.read_text(encoding="utf-8")
    blocks = text.split("```python\n")[1:]
    return [b.split("```", 1)[0] for b in blocks]


def mypy(path, *flags):
    return subprocess.run([sys.executable, "-m", "mypy", "--no-incremental",
                           "--cache-dir", os.devnull, *flags, str(path)],
                          capture_output=True, text=True, timeout=300)


def test_readme_example_type_checks(tmp_path):
    examples = readme_python_examples()
    assert examples, "bento-ffi/README.md has no python example"
    source = tmp_path / "readme_example.py"
    source.write_text("\n\n".join(examples), encoding="utf-8")
    result = mypy(source, "--strict", "--allow-untyped-globals")
    assert result.returncode == 0, result.stdout + result.stderr


def test_wrong_argument_types_are_flagged():
    result = mypy(HERE / "typecheck" / "wrong_types.py")
    assert result.returncode == 1, result.stdout
    out = result.stdout
    assert 'wrong_types.py:3: error: Argument "details_json" to "Event" has incompatible type' in out
    assert 'wrong_types.py:4: error: Argument "status" to "list_broadcasts"' in out
    assert "Found 2 errors" in out, out


def test_broadcast_type_takes_the_str_enum_or_any_string(tmp_path):
    source = tmp_path / "broadcast_types.py"
    source.write_text(
        "import bento\n"
        "a = bento.BroadcastData(name='n', subject='s', content='c', from_email='a@example.com',"
        " broadcast_type=bento.BroadcastType.RAW)\n"
        "b = bento.BroadcastData(name='n', subject='s', content='c', from_email='a@example.com',"
        " broadcast_type='markdown')\n"
        "text: str = bento.BroadcastType.PLAIN\n"
        "c = bento.BroadcastData(name='n', subject='s', content='c', from_email='a@example.com',"
        " broadcast_type=5)\n",
        encoding="utf-8")
    result = mypy(source)
    out = result.stdout
    assert result.returncode == 1, out
    assert 'broadcast_types.py:5: error: Argument "broadcast_type" to "BroadcastData" has ' \
           'incompatible type' in out, out
    assert "Found 1 error" in out, out


def test_async_methods_type_check_as_coroutines(tmp_path):
    source = tmp_path / "async_use.py"
    source.write_text(
        "import typing\n"
        "import bento\n"
        "async def main(client: bento.AsyncBentoClient) -> None:\n"
        "    tags: typing.List[bento.Tag] = await client.get_tags()\n"
        "    missing: typing.List[bento.Tag] = client.get_tags()\n",
        encoding="utf-8")
    result = mypy(source)
    out = result.stdout
    assert result.returncode == 1, out
    assert "async_use.py:5: error: Incompatible types in assignment" in out, out
    assert "Found 1 error" in out, out
