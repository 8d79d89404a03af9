"""The dependencies layer leaves out what pip installs but no function imports."""

from infra.layers import prune_unused


def install(target, dist_info, files):
    for name in files:
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        (target / name).write_text("")
    record = target / dist_info / "RECORD"
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text("".join(f"{name},sha256=x,0\n" for name in files))


def test_the_grpc_transport_and_protobuf_are_pruned_by_their_records_and_nothing_else(tmp_path):
    install(tmp_path, "opensearch_py-3.2.0.dist-info", ["opensearchpy/__init__.py"])
    install(tmp_path, "google_auth-2.0.dist-info", ["google/auth/__init__.py"])
    grpc = ["grpc/__init__.py", "grpc/_cython/x.so", "grpcio-1.85.3.dist-info/licenses/LICENSE"]
    install(tmp_path, "grpcio-1.85.3.dist-info", grpc)
    install(
        tmp_path,
        "protobuf-7.36.2.dist-info",
        ["google/protobuf/__init__.py", "google/_upb/_message.abi3.so"],
    )
    install(
        tmp_path,
        "opensearch_protobufs-1.2.0.dist-info",
        ["opensearch/__init__.py", "opensearch/protobufs/__init__.py", "../outside.txt"],
    )
    (tmp_path.parent / "outside.txt").write_text("not the layer's")

    gone = prune_unused(tmp_path)

    assert gone == [
        "grpcio-1.85.3.dist-info",
        "protobuf-7.36.2.dist-info",
        "opensearch_protobufs-1.2.0.dist-info",
    ]
    left = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert left == [
        "google/auth/__init__.py",
        "google_auth-2.0.dist-info/RECORD",
        "opensearch_py-3.2.0.dist-info/RECORD",
        "opensearchpy/__init__.py",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "google",
        "google_auth-2.0.dist-info",
        "opensearch_py-3.2.0.dist-info",
        "opensearchpy",
    ]
    assert (tmp_path.parent / "outside.txt").exists()  # a RECORD cannot reach outside
