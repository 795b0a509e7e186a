// `mwb classify` as a script sees it: JSON shape and order, exit codes, CSV, --dump-input against
// PyTorch's preprocessing, and --evaluate on real labelled Fashion-MNIST images.

#include "classify_test_support.h"

#include <map>
#include <set>

#include <QDir>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace classify_test;
using json = nlohmann::json;

namespace {

struct Run
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

Run mwb(const QStringList& arguments)
{
    QProcess process;
    process.start(QStringLiteral(MWB_CLI_PATH), arguments);
    if (!process.waitForFinished(300000))
        return {};
    return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
            process.readAllStandardOutput(), process.readAllStandardError()};
}

QString resnet()
{
    return fixture(QStringLiteral("resnet"));
}

} // namespace

class TestClassifyCli : public QObject
{
    Q_OBJECT

private:
    std::vector<ExpectedImage> m_expected;
    QTemporaryDir m_dir;

    QString brokenImage()
    {
        const QString path = m_dir.filePath(QStringLiteral("broken.jpg"));
        QFile file(path);
        if (file.open(QIODevice::WriteOnly))
            file.write("\xff\xd8\xff\xe0 truncated jpeg");
        return path;
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_expected = expectedImages();
        QVERIFY(m_expected.size() >= 30);
        QVERIFY(m_dir.isValid());
    }

    void jsonListsEveryImageInInputOrder()
    {
        const QString folder = fixture(QStringLiteral("fmnist/Coat"));
        const QString single = m_expected.front().path;
        const Run run = mwb({QStringLiteral("classify"), resnet(), folder, single, QStringLiteral("--json"),
                             QStringLiteral("--top-k"), QStringLiteral("3")});
        QVERIFY2(run.exitCode == 0, run.err.constData());
        const json doc = json::parse(run.out.toStdString());
        QVERIFY(doc.is_array());
        QCOMPARE(doc.size(), std::size_t(4)); // the folder's 3 images, sorted, then the file
        QStringList coat = QDir(folder).entryList({QStringLiteral("*.png")}, QDir::Files, QDir::Name);
        for (int i = 0; i < 3; ++i)
            QCOMPARE(QString::fromStdString(doc[i]["image"]), QDir(folder).filePath(coat[i]));
        QCOMPARE(QString::fromStdString(doc[3]["image"]), single);

        std::map<QString, const ExpectedImage*> byPath;
        for (const ExpectedImage& e : m_expected)
            byPath[e.path] = &e;
        for (const json& entry : doc) {
            QCOMPARE(entry.size(), std::size_t(2));
            const json& predictions = entry.at("predictions");
            QCOMPARE(predictions.size(), std::size_t(3));
            const ExpectedImage* expected = byPath.at(QString::fromStdString(entry["image"]));
            const auto scores = softmax(expected->logits);
            const auto order = ranking(scores);
            for (std::size_t j = 0; j < 3; ++j) {
                QCOMPARE(predictions[j].size(), std::size_t(3));
                QCOMPARE(predictions[j]["index"].get<int>(), order[j]);
                QVERIFY(predictions[j]["label"].is_string());
                QVERIFY(std::abs(predictions[j]["score"].get<double>() - scores[order[j]]) < 1e-4);
            }
        }
        QCOMPARE(doc[3]["predictions"][0]["label"].get<std::string>(),
                 std::string(std::vector<const char*>{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                      "Sandal", "Shirt", "Sneaker", "Bag",
                                                      "Ankle boot"}[ranking(m_expected.front().logits)[0]]));
    }

    void aBadImageFailsAfterEveryResultIsPrinted()
    {
        const Run run = mwb({QStringLiteral("classify"), resnet(), m_expected[0].path, brokenImage(),
                             m_expected[1].path, QStringLiteral("--json")});
        QCOMPARE(run.exitCode, 2); // a corrupt image is invalid input (a bomb would be 3)
        const json doc = json::parse(run.out.toStdString());
        QCOMPARE(doc.size(), std::size_t(3));
        QVERIFY(doc[0].contains("predictions"));
        QVERIFY(doc[2].contains("predictions"));
        QCOMPARE(doc[1].size(), std::size_t(2));
        QCOMPARE(QString::fromStdString(doc[1]["image"]), brokenImage());
        QVERIFY2(QString::fromStdString(doc[1]["error"]).contains(QStringLiteral("broken.jpg")),
                 doc[1].dump().c_str());
        QVERIFY(run.err.startsWith("error: "));
        QVERIFY(run.err.contains("1 of 3 images failed"));
    }

    void textOutputHasOneBlockPerImage()
    {
        const Run run = mwb({QStringLiteral("classify"), resnet(), m_expected[0].path, brokenImage(),
                             QStringLiteral("--top-k=2")});
        QCOMPARE(run.exitCode, 2); // the broken image is invalid input
        const QStringList blocks = QString::fromUtf8(run.out).trimmed().split(QStringLiteral("\n\n"));
        QCOMPARE(blocks.size(), 2);
        const QStringList first = blocks[0].split(QLatin1Char('\n'));
        QCOMPARE(first.size(), 3); // path, then two predictions
        QCOMPARE(first[0], m_expected[0].path);
        QVERIFY(first[1].startsWith(QStringLiteral("  1. ")));
        QVERIFY(blocks[1].contains(QStringLiteral("error: ")));
    }

    void usageErrorsExitTwo_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::newRow("no arguments") << QStringList{QStringLiteral("classify")};
        QTest::newRow("no image") << QStringList{QStringLiteral("classify"), resnet()};
        QTest::newRow("top-k zero") << QStringList{QStringLiteral("classify"), resnet(), m_expected[0].path,
                                                   QStringLiteral("--top-k"), QStringLiteral("0")};
        QTest::newRow("top-k not a number")
            << QStringList{QStringLiteral("classify"), resnet(), m_expected[0].path,
                           QStringLiteral("--top-k"), QStringLiteral("many")};
        QTest::newRow("unknown option") << QStringList{QStringLiteral("classify"), resnet(),
                                                       m_expected[0].path, QStringLiteral("--fast")};
        QTest::newRow("missing image")
            << QStringList{QStringLiteral("classify"), resnet(), QStringLiteral("/nonexistent/x.png")};
        QTest::newRow("missing model") << QStringList{
            QStringLiteral("classify"), QStringLiteral("/nonexistent/model"), m_expected[0].path};
    }

    void usageErrorsExitTwo()
    {
        QFETCH(QStringList, arguments);
        const Run run = mwb(arguments);
        QCOMPARE(run.exitCode, 2);
        QVERIFY(run.err.startsWith("error: "));
        QVERIFY(run.out.isEmpty());
    }

    void csvHasOneRowPerPrediction()
    {
        const QString csv = m_dir.filePath(QStringLiteral("out.csv"));
        const Run run = mwb({QStringLiteral("classify"), resnet(), fixture(QStringLiteral("fmnist/Bag")),
                             QStringLiteral("--top-k"), QStringLiteral("2"), QStringLiteral("--csv"), csv});
        QVERIFY2(run.exitCode == 0, run.err.constData());
        QFile file(csv);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QStringList lines =
            QString::fromUtf8(file.readAll()).split(QStringLiteral("\r\n"), Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 1 + 3 * 2);
        QCOMPARE(lines[0], QStringLiteral("image,rank,index,label,score,error"));
        QVERIFY(lines[1].contains(QStringLiteral(",1,")));
        QVERIFY(lines[2].contains(QStringLiteral(",2,")));
        QVERIFY(!QFile::exists(csv + QStringLiteral(".tmp")));
    }

    // The tensor the model saw for the images that decoded, against transformers' pipeline in Python
    // (PIL bilinear resize to 32x32, rescale, normalize), within the preprocessing tolerance: 2 uint8
    // levels per value and 0.25 level on average.
    void dumpInputMatchesPython()
    {
        const QString dump = m_dir.filePath(QStringLiteral("input.safetensors"));
        QStringList arguments{QStringLiteral("classify"), fixture(QStringLiteral("resnet_resized")),
                              QStringLiteral("--dump-input"), dump, QStringLiteral("--json")};
        arguments.insert(2, brokenImage());
        for (const ExpectedImage& e : m_expected)
            arguments.insert(3, e.path); // reversed order, with the broken one first
        const Run run = mwb(arguments);
        QCOMPARE(run.exitCode, 2); // the broken image (invalid input)
        const FloatTensor tensor = readSafetensorsF32(dump, "pixel_values");
        const std::vector<std::int64_t> shape{static_cast<std::int64_t>(m_expected.size()), 1, 32, 32};
        QCOMPARE(tensor.shape, shape);
        const std::vector<float> python = readRawF32(fixture(QStringLiteral("resized_pixel_values.f32")));
        QCOMPARE(python.size(), tensor.values.size());
        const double level = 1.0 / 255.0 / 0.353;
        const std::size_t perImage = 32 * 32;
        double sum = 0, worst = 0;
        for (std::size_t i = 0; i < m_expected.size(); ++i) {
            const std::size_t pythonImage = m_expected.size() - 1 - i; // arguments were reversed
            for (std::size_t v = 0; v < perImage; ++v) {
                const double d =
                    std::abs(tensor.values[i * perImage + v] - python[pythonImage * perImage + v]);
                sum += d;
                worst = std::max(worst, d);
            }
        }
        QVERIFY2(worst <= 2 * level + 1e-6, qPrintable(QStringLiteral("worst %1 levels").arg(worst / level)));
        QVERIFY2(sum / python.size() <= 0.25 * level,
                 qPrintable(QStringLiteral("mean %1 levels").arg(sum / python.size() / level)));
    }

    void evaluateReportsAccuracyAndConfusion()
    {
        const Run run = mwb({QStringLiteral("classify"), resnet(), fixture(QStringLiteral("fmnist")),
                             QStringLiteral("--evaluate"), QStringLiteral("--json")});
        QVERIFY2(run.exitCode == 0, run.err.constData());
        const json doc = json::parse(run.out.toStdString());
        // Expected from PyTorch's logits: the top-1 of each labelled image against its folder.
        int correct = 0, labelled = 0;
        std::vector<std::vector<int>> confusion(10, std::vector<int>(10, 0));
        std::set<int> involved;
        for (const ExpectedImage& e : m_expected) {
            if (e.classIndex < 0)
                continue;
            const int top1 = ranking(e.logits)[0];
            ++labelled;
            correct += top1 == e.classIndex;
            ++confusion[e.classIndex][top1];
            involved.insert(e.classIndex);
            involved.insert(top1);
        }
        QCOMPARE(doc["images"].get<int>(), labelled);
        QCOMPARE(doc["evaluated"].get<int>(), labelled);
        QCOMPARE(doc["correct"].get<int>(), correct);
        QCOMPARE(doc["accuracy"].get<double>(), double(correct) / labelled);
        QVERIFY2(correct * 10 >= labelled * 3, "the fixture model should do better than chance");
        QVERIFY2(doc["unmatched_folders"] == json::parse(R"([{"name": "zz_unlabelled", "images": 2}])"),
                 doc["unmatched_folders"].dump().c_str());
        QCOMPARE(doc["classes"].size(), involved.size());
        const std::vector<int> classes(involved.begin(), involved.end());
        for (std::size_t r = 0; r < classes.size(); ++r) {
            QCOMPARE(doc["classes"][r]["index"].get<int>(), classes[r]);
            for (std::size_t c = 0; c < classes.size(); ++c)
                QCOMPARE(doc["confusion_matrix"][r][c].get<int>(), confusion[classes[r]][classes[c]]);
            QCOMPARE(doc["classes"][r]["support"].get<int>(), classes[r] < 10 ? 3 : 0);
        }
    }

    void evaluateTextNamesUnmatchedFolders()
    {
        const Run run = mwb({QStringLiteral("classify"), resnet(), fixture(QStringLiteral("fmnist")),
                             QStringLiteral("--evaluate")});
        QVERIFY2(run.exitCode == 0, run.err.constData());
        QVERIFY(run.out.contains("unmatched folder: zz_unlabelled (2 images"));
        QVERIFY(run.out.contains("accuracy: "));
        QVERIFY(run.out.contains("Ankle boot (9)"));
    }
};

QTEST_GUILESS_MAIN(TestClassifyCli)
#include "test_classify_cli.moc"
