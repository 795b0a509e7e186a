#!/usr/bin/env python3
"""Writes a Hub cache the way huggingface_hub's hf_hub_download leaves it (ARCHITECTURE.md, "Hub: cache layout").

One file at a time, as transformers' from_pretrained or an older huggingface_hub does it: blobs named
by their ETag (git blob sha1 for regular files, sha256 for LFS files), relative symlinks from
snapshots/<commit>/<path>, refs/<revision> holding the bare commit, a lock file per blob, and *no*
trees/<commit>.json (only the newest snapshot_download writes that).

    make_hf_download_cache.py CACHE REPO_ID COMMIT SOURCE_DIR [--ref NAME] [--lfs PATH]... [--no-symlinks]
                              [--incomplete PATH]

SOURCE_DIR holds the files as they are in the repo. --lfs marks a repo path as an LFS file.
--no-symlinks writes real files into snapshots/ (HF_HUB_DISABLE_SYMLINKS / Windows without symlinks).
--incomplete leaves a stale blobs/<etag>.incomplete next to the finished blob of PATH, as an interrupted
older download would. Standard library only.
"""

import argparse
import hashlib
import os
import shutil
import sys


def git_blob_sha1(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def repo_folder(repo_id: str) -> str:
    return "models--" + repo_id.replace("/", "--")


def write_ref(repo_dir: str, ref: str, commit: str) -> None:
    path = os.path.join(repo_dir, "refs", ref)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="ascii") as out:
        out.write(commit)  # no newline, as huggingface_hub writes it


def add_file(cache: str, repo_id: str, commit: str, rel: str, data: bytes, lfs: bool, symlinks: bool) -> str:
    repo_dir = os.path.join(cache, repo_folder(repo_id))
    etag = hashlib.sha256(data).hexdigest() if lfs else git_blob_sha1(data)
    locks = os.path.join(cache, ".locks", repo_folder(repo_id))
    os.makedirs(locks, exist_ok=True)
    open(os.path.join(locks, etag + ".lock"), "a").close()
    blob = os.path.join(repo_dir, "blobs", etag)
    os.makedirs(os.path.dirname(blob), exist_ok=True)
    if not os.path.exists(blob):
        with open(blob, "wb") as out:
            out.write(data)
    link = os.path.join(repo_dir, "snapshots", commit, *rel.split("/"))
    os.makedirs(os.path.dirname(link), exist_ok=True)
    if os.path.lexists(link):
        os.remove(link)
    if symlinks:
        os.symlink(os.path.relpath(blob, os.path.dirname(link)), link)
    else:
        shutil.copyfile(blob, link)
    return etag


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cache")
    parser.add_argument("repo_id")
    parser.add_argument("commit")
    parser.add_argument("source")
    parser.add_argument("--ref", action="append", default=[])
    parser.add_argument("--lfs", action="append", default=[])
    parser.add_argument("--incomplete", action="append", default=[])
    parser.add_argument("--no-symlinks", action="store_true")
    args = parser.parse_args()
    if len(args.commit) != 40:
        print("error: COMMIT must be a full 40-hex commit id", file=sys.stderr)
        return 2
    repo_dir = os.path.join(args.cache, repo_folder(args.repo_id))
    for root, _dirs, files in os.walk(args.source):
        for name in sorted(files):
            full = os.path.join(root, name)
            rel = os.path.relpath(full, args.source).replace(os.sep, "/")
            with open(full, "rb") as src:
                data = src.read()
            etag = add_file(args.cache, args.repo_id, args.commit, rel, data, rel in args.lfs,
                            not args.no_symlinks)
            if rel in args.incomplete:
                with open(os.path.join(repo_dir, "blobs", etag + ".incomplete"), "wb") as out:
                    out.write(data[: len(data) // 2])
    for ref in args.ref:
        write_ref(repo_dir, ref, args.commit)
    return 0


if __name__ == "__main__":
    sys.exit(main())
