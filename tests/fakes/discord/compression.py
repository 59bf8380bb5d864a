"""Gateway transport compression: `zlib-stream` and `zstd-stream`, as the client asks.

discord.py 2.7 asks for `zstd-stream` when `zstandard` (or Python 3.14's `compression.zstd`)
is importable, else for `zlib-stream`. Both keep one compression context per connection and
flush at the end of every gateway message, so each websocket message decodes on its own.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import Any

Encoder = Callable[[str], str | bytes]


class ZlibStream:
    """One zlib context per connection; every message ends with the Z_SYNC_FLUSH suffix."""

    def __init__(self) -> None:
        self._context = zlib.compressobj()

    def __call__(self, text: str) -> bytes:
        """Compress one gateway message."""
        return self._context.compress(text.encode()) + self._context.flush(zlib.Z_SYNC_FLUSH)


class ZstdStream:
    """One zstd context per connection; every message ends a flushed block, not a frame."""

    def __init__(self) -> None:
        self._compress = _zstd_block_compressor()

    def __call__(self, text: str) -> bytes:
        """Compress one gateway message."""
        return self._compress(text.encode())


def plain(text: str) -> str:
    """Send a gateway message uncompressed, as a text frame."""
    return text


def encoder_for(compress: str | None) -> Encoder:
    """Return the encoder for a `compress` query parameter; ValueError when unsupported."""
    if not compress:
        return plain
    if compress == "zlib-stream":
        return ZlibStream()
    if compress == "zstd-stream":
        return ZstdStream()
    raise ValueError(f"Unsupported gateway compression {compress!r}.")


def _zstd_block_compressor() -> Callable[[bytes], bytes]:
    try:
        from compression import zstd  # type: ignore[import-not-found]  # Python 3.14+
    except ImportError:
        return _zstandard_block_compressor()
    context: Any = zstd.ZstdCompressor()
    return lambda data: bytes(context.compress(data, mode=zstd.ZstdCompressor.FLUSH_BLOCK))


def _zstandard_block_compressor() -> Callable[[bytes], bytes]:
    try:
        import zstandard  # type: ignore[import-not-found]
    except ImportError as missing:
        raise ValueError(
            "zstd-stream needs the zstandard package, which is not installed."
        ) from missing
    context: Any = zstandard.ZstdCompressor().compressobj()
    return lambda data: bytes(
        context.compress(data) + context.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)
    )
