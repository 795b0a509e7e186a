// Outputs of the LibTorch ResNet against PyTorch's for weights saved by Python: torchvision nets
// (plain stem) and a reference of timm's deep / deep-tiered stems and avg-down, in safetensors and
// torch.save .bin files, with timm's bare keys and the wrapper's "model." keys.

#include "model/model_internal.h"
#include "model_test_support.h"

#include <QTest>

#include <c10/core/InferenceMode.h>

using namespace mwb;
using mwb::test::fixture;

class TestModelParity final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void outputsMatchPyTorch_data();
    void outputsMatchPyTorch();
    void lossMatchesCrossEntropyWithIgnoreIndex();
    void lossRefusesLabelsOfTheWrongShape();
};

void TestModelParity::outputsMatchPyTorch_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("weights");
    QTest::addColumn<bool>("prefixed");
    QTest::newRow("plain stem, basic, .bin, wrapper keys, 61x61") << "plain_basic"
                                                                  << "plain_basic.bin" << true;
    QTest::newRow("plain stem, resnext 32x4d, bare keys") << "plain_resnext"
                                                          << "plain_resnext.safetensors" << false;
    QTest::newRow("deep stem, avg_down, 61x59, wrapper keys") << "deep_avgdown"
                                                              << "deep_avgdown.safetensors" << true;
    QTest::newRow("deep-tiered, avg_down, 1 channel, no classifier, float16 file")
        << "tiered_gray_headless"
        << "tiered_gray_headless.safetensors" << false;
    QTest::newRow("deep stem width 64, basic, layer1 downsample") << "deep_basic_sw64"
                                                                  << "deep_basic_sw64.safetensors" << false;
}

void TestModelParity::outputsMatchPyTorch()
{
    QFETCH(QString, name);
    QFETCH(QString, weights);
    QFETCH(bool, prefixed);

    auto model = Model::fromConfig(mwb::test::readJson(fixture(name + ".config.json")));
    QVERIFY2(model, model ? "" : model.error().message.c_str());
    const at::Tensor input = mwb::test::readTensor(fixture(name + ".input.safetensors"), "pixel_values");
    const QString expectedPath = fixture(name + ".expected.safetensors");
    const at::Tensor logits = mwb::test::readTensor(expectedPath, "logits");
    const at::Tensor features = mwb::test::readTensor(expectedPath, "features");
    QVERIFY(input.defined() && logits.defined() && features.defined());
    {
        // Control: with its fresh weights the model is far from PyTorch's outputs.
        c10::InferenceMode inference;
        auto fresh = runForward(**model, input);
        QVERIFY(fresh);
        QVERIFY(mwb::test::relativeError(fresh->features, features) > 1e-2);
    }

    auto report = (*model)->applyWeights(fixture(weights));
    QVERIFY2(report, report ? "" : report.error().message.c_str());
    QVERIFY(report->exact());
    QCOMPARE(report->prefixed, prefixed);
    QCOMPARE(report->count(TensorStatus::Matched), static_cast<int>(report->tensors.size()));

    c10::InferenceMode inference;
    auto out = runForward(**model, input);
    QVERIFY2(out, out ? "" : out.error().message.c_str());
    QCOMPARE(out->features.sizes().vec(), features.sizes().vec());
    QCOMPARE(out->logits.sizes().vec(), logits.sizes().vec());
    QCOMPARE(out->logits.scalar_type(), at::kFloat);
    const double featureError = mwb::test::relativeError(out->features, features);
    const double logitError = mwb::test::relativeError(out->logits, logits);
    qInfo("%s: relative error features %.2e, logits %.2e", qPrintable(name), featureError, logitError);
    QVERIFY(featureError <= 1e-4);
    QVERIFY(logitError <= 1e-4);
}

void TestModelParity::lossMatchesCrossEntropyWithIgnoreIndex()
{
    const QString expectedPath = fixture("plain_basic.expected.safetensors");
    const at::Tensor logits = mwb::test::readTensor(expectedPath, "logits");
    const at::Tensor labels = mwb::test::readTensor(expectedPath, "labels");
    const at::Tensor loss = mwb::test::readTensor(expectedPath, "loss");
    QVERIFY(logits.defined() && labels.defined() && loss.defined());
    QCOMPARE(labels[1].item<std::int64_t>(), std::int64_t{-100}); // the ignored target is really there

    auto ours = classificationLoss(logits, labels);
    QVERIFY(ours);
    QCOMPARE(ours->dim(), 0);
    QVERIFY(mwb::test::relativeError(*ours, loss) <= 1e-6);
    // Mean over the non-ignored targets only: the loss of image 0 alone.
    auto first = classificationLoss(logits.slice(0, 0, 1), labels.slice(0, 0, 1));
    QVERIFY(first);
    QVERIFY(mwb::test::relativeError(*first, loss) <= 1e-6);
}

void TestModelParity::lossRefusesLabelsOfTheWrongShape()
{
    const at::Tensor logits = at::zeros({2, 10});
    auto loss = classificationLoss(logits, at::zeros({3}, at::kLong));
    QVERIFY(!loss);
    QVERIFY(loss.error().message.starts_with("labels:"));
    auto outOfRange = classificationLoss(logits, at::full({2}, 10, at::kLong));
    QVERIFY(!outOfRange);
}

QTEST_GUILESS_MAIN(TestModelParity)
#include "test_model_parity.moc"
