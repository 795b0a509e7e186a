// Fast (bfloat16) against exact (float32) precision on real labelled images: 2000 Fashion-MNIST
// test images through the fixture's trained ResNet (make_classify_fixtures.py). Top-1 must agree on
// at least 99 % of them; the figures (agreement, largest logit difference, accuracy of each) are
// printed for the README.

#include "classify_test_support.h"
#include "inference/engine/engine_internal.h"
#include "model/model.h"

#include <QFile>
#include <QTest>

#include <ATen/ops/abs.h>
#include <ATen/ops/from_blob.h>
#include <c10/core/InferenceMode.h>

using namespace mwb;
using classify_test::fixture;

namespace {

QByteArray readAll(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

} // namespace

class TestEngineAgreement final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void fastAgreesWithExactOnFashionMnist();
};

void TestEngineAgreement::fastAgreesWithExactOnFashionMnist()
{
    if (!fastPrecisionSupport().available)
        QSKIP(
            qPrintable("no bfloat16 on this CPU: " + QString::fromStdString(fastPrecisionSupport().detail)));
    const QByteArray pixels = readAll(fixture(QStringLiteral("agreement_pixel_values.f32")));
    const QByteArray labels = readAll(fixture(QStringLiteral("agreement_labels.u8")));
    const qsizetype count = labels.size();
    QCOMPARE(count, qsizetype(2000));
    QCOMPARE(pixels.size(), count * 28 * 28 * qsizetype(sizeof(float)));

    auto model = Model::fromPretrained(fixture(QStringLiteral("resnet")));
    QVERIFY2(model, model ? "" : model.error().message.c_str());
    auto exact = InferenceEngine::build(**model, {Precision::Exact, 0});
    auto fast = InferenceEngine::build(**model, {Precision::Fast, 0});
    QVERIFY(exact && fast);

    c10::InferenceMode inference;
    const at::Tensor all =
        at::from_blob(const_cast<char*>(pixels.data()), {count, 1, 28, 28}, at::kFloat).clone();
    int agree = 0, exactCorrect = 0, fastCorrect = 0;
    double maxDiff = 0, maxLogit = 0;
    for (qsizetype start = 0; start < count; start += 100) {
        const at::Tensor batch = all.slice(0, start, start + 100);
        auto e = engineForward(**exact, batch, false);
        auto f = engineForward(**fast, batch, false);
        QVERIFY(e && f);
        const at::Tensor eTop = e->logits.argmax(1);
        const at::Tensor fTop = f->logits.argmax(1);
        agree += eTop.eq(fTop).sum().item<int>();
        maxDiff = std::max(maxDiff, (e->logits - f->logits).abs().max().item<double>());
        maxLogit = std::max(maxLogit, e->logits.abs().max().item<double>());
        for (qsizetype i = 0; i < 100; ++i) {
            const int label = static_cast<unsigned char>(labels[start + i]);
            exactCorrect += eTop[i].item<int>() == label;
            fastCorrect += fTop[i].item<int>() == label;
        }
    }
    const double agreement = static_cast<double>(agree) / static_cast<double>(count);
    qInfo("fast vs exact on %d Fashion-MNIST test images: top-1 agreement %.2f%% (%d differ), largest logit "
          "difference %.4f (largest |logit| %.2f); accuracy exact %.2f%%, fast %.2f%%",
          static_cast<int>(count), 100 * agreement, static_cast<int>(count) - agree, maxDiff, maxLogit,
          100.0 * exactCorrect / static_cast<double>(count),
          100.0 * fastCorrect / static_cast<double>(count));
    // Control: the model has learnt something, so agreement is not that of two constant answers.
    QVERIFY(exactCorrect > count / 2);
    QVERIFY2(agreement >= 0.99, qPrintable(QString("top-1 agreement %1 is under 99%").arg(agreement)));
    QVERIFY(maxDiff > 0); // it did run in bfloat16
}

QTEST_GUILESS_MAIN(TestEngineAgreement)
#include "test_engine_agreement.moc"
