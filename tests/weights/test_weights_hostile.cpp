// Broken and hostile weight files: each must give a clear error that names the problem (and the
// file), of the right kind, and never crash or run anything.

#include "weights/weight_reader.h"

#include <QTest>

using namespace mwb;

Q_DECLARE_METATYPE(mwb::ErrorKind)

namespace {

QString hostile(const QString& rel)
{
    return QStringLiteral(MWB_WEIGHT_FIXTURES "/hostile/") + rel;
}

} // namespace

class TestWeightsHostile : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void refusedWithAClearError_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("expected");
        QTest::addColumn<ErrorKind>("kind");
        const auto bad = ErrorKind::InvalidInput;
        const auto unsafe = ErrorKind::Unsafe;
        auto row = [](const char* file, const char* expected, ErrorKind kind) {
            QTest::newRow(file) << QString::fromUtf8(file) << QString::fromUtf8(expected) << kind;
        };
        // safetensors
        row("truncated.safetensors", "truncated file or offsets out of range", bad);
        row("tiny.safetensors", "too small for a safetensors header", bad);
        row("header_past_end.safetensors", "header length 1000 runs past the end of the file", bad);
        row("header_too_large.safetensors", "exceeds the 100,000,000-byte limit", bad);
        row("bad_json.safetensors", "header is not valid UTF-8 JSON", bad);
        row("invalid_utf8.safetensors", "header is not valid UTF-8 JSON", bad);
        row("not_an_object.safetensors", "header is not a JSON object", bad);
        row("overlap.safetensors", "tensor \"b\": data_offsets [4, 12) overlap the previous tensor", bad);
        row("out_of_range.safetensors", "covers 16 bytes but the file holds 8 data bytes", bad);
        row("hole.safetensors", "tensor \"b\": data_offsets [8, 12) leave a hole after byte 4", bad);
        row("trailing_bytes.safetensors", "(trailing bytes)", bad);
        row("unknown_dtype.safetensors", "tensor \"a\": unknown dtype \"Q7\"", bad);
        row("float8_dtype.safetensors", "tensor \"a\": dtype F8_E4M3 is not supported by LibTorch 1.13", bad);
        row("wrong_byte_count.safetensors", "tensor \"a\": F32 shape needs 12 bytes but data_offsets span 8",
            bad);
        row("duplicate_name.safetensors", "names tensor \"a\" more than once", bad);
        row("metadata_not_string.safetensors", "__metadata__ value of \"format\" is not a string", bad);
        row("shape_overflow.safetensors", "tensor \"a\": shape is too large", bad);
        row("negative_offset.safetensors", "\"data_offsets\" must be two non-negative integers", bad);
        // pickles: nothing is executed, the global is named
        row("os_system.pt", "pickle imports os.system (dangerous); refused for safety (nothing was executed)",
            unsafe);
        row("builtins_eval.pt", "pickle imports builtins.eval (dangerous)", unsafe);
        row("subprocess_popen.pt", "pickle imports subprocess.Popen (dangerous)", unsafe);
        row("posix_inst.pt", "pickle imports posix.system (dangerous)", unsafe);
        row("reduce_counter.pt", "pickle imports collections.Counter (suspicious)", unsafe);
        row("reduce_on_dict.pt", "REDUCE at byte 30 calls a dict, which is not an allowlisted global",
            unsafe);
        row("build_on_global.pt", "sets the state of torch._utils._rebuild_tensor_v2, which is not allowed",
            unsafe);
        row("deep_nesting.pt", "pickle nests objects too deeply", bad);
        row("legacy_os_system.pth", "pickle imports os.system (dangerous)", unsafe);
        // zip containers and tensor views
        row("zip_unexpected_member.pt", "unexpected member \"evil.py\"", bad);
        // PyTorch would inflate and run a compressed data.pkl, which cannot be checked here (issue 15).
        row("zip_compressed.pt",
            "\"archive/data.pkl\" is compressed (method 8), so its pickle cannot be checked", unsafe);
        row("zip_outside_prefix.pt",
            "zip entry \"elsewhere/data/9\" is outside the archive folder \"archive/\"", bad);
        row("zip_dotdot.pt", "zip entry \"archive/../data/9\" is outside the archive folder", bad);
        row("zip_truncated.pt", "zip archive is truncated", bad);
        row("view_out_of_bounds.pt", "tensor \"w\": size, stride and offset reach outside its storage", bad);
        row("not_weights.bin", "not a weight file", bad);
        // shard indexes
        row("index_dotdot/model.safetensors.index.json",
            "shard \"../x.safetensors\" leaves the index's folder", bad);
        row("index_absolute/model.safetensors.index.json",
            "shard \"/etc/passwd\" is not a plain relative file name", bad);
    }
    void refusedWithAClearError()
    {
        QFETCH(QString, file);
        QFETCH(QString, expected);
        QFETCH(ErrorKind, kind);
        auto result = readWeights(hostile(file));
        QVERIFY2(!result, "a hostile file was accepted");
        const QString message = QString::fromStdString(result.error().message);
        QVERIFY2(message.contains(expected), qPrintable(message));
        QVERIFY2(message.startsWith(hostile(file)), qPrintable(message)); // names the file
        QCOMPARE(result.error().kind, kind);
    }

    void missingFileIsAnIoError()
    {
        auto result = readWeights(hostile(QStringLiteral("does-not-exist.safetensors")));
        QVERIFY(!result);
        QCOMPARE(result.error().kind, ErrorKind::Io);
    }
};

QTEST_GUILESS_MAIN(TestWeightsHostile)
#include "test_weights_hostile.moc"
