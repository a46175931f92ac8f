"""Reads the package name out of an APK (its binary AndroidManifest.xml), so an install sink knows what it got."""

from __future__ import annotations

import io
import struct
import zipfile

RES_STRING_POOL, RES_XML_START_ELEMENT = 0x0001, 0x0102
UTF8_FLAG = 0x100


def _strings(data: bytes, pos: int, header_size: int) -> list[str]:
    """The strings of a ResStringPool chunk at `pos` (UTF-8 or UTF-16)."""
    count, _styles, flags, strings_start, _ = struct.unpack_from("<5I", data, pos + 8)
    offsets = struct.unpack_from(f"<{count}I", data, pos + header_size)
    base = pos + strings_start
    out = []
    for offset in offsets:
        at = base + offset
        if flags & UTF8_FLAG:
            at += 2 if data[at] & 0x80 else 1  # length in characters
            length = data[at]
            if length & 0x80:
                length = ((length & 0x7F) << 8) | data[at + 1]
                at += 1
            at += 1
            out.append(data[at:at + length].decode("utf-8", "replace"))
        else:
            length = struct.unpack_from("<H", data, at)[0]
            if length & 0x8000:
                length = ((length & 0x7FFF) << 16) | struct.unpack_from("<H", data, at + 2)[0]
                at += 2
            at += 2
            out.append(data[at:at + length * 2].decode("utf-16-le", "replace"))
    return out


def manifest_package(apk: bytes) -> str | None:
    """The `package` attribute of the APK's <manifest>, or None when it is not a readable APK."""
    try:
        with zipfile.ZipFile(io.BytesIO(apk)) as archive:
            data = archive.read("AndroidManifest.xml")
        pos, strings = 8, []
        while pos + 8 <= len(data):
            kind, header_size, size = struct.unpack_from("<HHI", data, pos)
            if size < 8:
                return None
            if kind == RES_STRING_POOL:
                strings = _strings(data, pos, header_size)
            elif kind == RES_XML_START_ELEMENT:
                _ns, name, attr_start, attr_size, attr_count = struct.unpack_from("<IIHHH", data, pos + 16)
                if strings[name] == "manifest":
                    for i in range(attr_count):
                        _, attr_name, raw = struct.unpack_from("<III", data, pos + 16 + attr_start + i * attr_size)
                        if strings[attr_name] == "package" and raw != 0xFFFFFFFF:
                            return strings[raw]
                    return None
            pos += size
    except (zipfile.BadZipFile, KeyError, struct.error, IndexError, ValueError):
        return None
    return None
