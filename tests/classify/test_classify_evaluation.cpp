// Evaluation on labelled folders, with numbers worked out by hand; folder-name matching; the CSV and
// JSON export forms.

#include "inference/classify_export.h"
#include "inference/evaluation.h"
#include "inference/image_files.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

using namespace mwb;

namespace {

ClassifyResult predicted(const std::string& image, int top1, int other)
{
    return {.image = image, .predictions = {{top1, "", 0.7f}, {other, "", 0.2f}}};
}

ClassifyResult failed(const std::string& image)
{
    return {.image = image, .error = Error{ErrorKind::InvalidInput, image + ": not an image"}};
}

void touch(const QString& path)
{
    QDir().mkpath(QFileInfo(path).path());
    QFile file(path);
    if (file.open(QIODevice::WriteOnly))
        file.write("x");
}

} // namespace

class TestClassifyEvaluation : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void folderNamesMatchLabels_data()
    {
        QTest::addColumn<QString>("folder");
        QTest::addColumn<int>("expected");
        QTest::newRow("exact") << "Ankle boot" << 3;
        QTest::newRow("case and separators") << "ankle_boot" << 3;
        QTest::newRow("slash in the label") << "T-shirt_top" << 0;
        QTest::newRow("plain index") << "2" << 2;
        QTest::newRow("index out of range") << "7" << -1;
        QTest::newRow("unknown") << "zebra" << -1;
        QTest::newRow("ambiguous once folded") << "bag" << -1;
        QTest::newRow("exact wins over ambiguity") << "Bag" << 1;
        QTest::newRow("punctuation only") << "__" << -1;
    }

    void folderNamesMatchLabels()
    {
        QFETCH(QString, folder);
        QFETCH(int, expected);
        const std::vector<std::string> labels{"T-shirt/top", "Bag", "Pullover", "Ankle boot", "B-AG"};
        QCOMPARE(matchClassFolder(folder.toStdString(), labels), expected);
    }

    // cat: 3 images predicted cat, cat, dog. dog: 2 images predicted dog, cat. bird: 1 image that
    // failed. So 5 evaluated, 3 correct (60%); cat precision 2/3 recall 2/3; dog precision 1/2 recall
    // 1/2; bird has no support and no predictions; fish (index 3) was never involved.
    void metricsOnAHandCheckedFolder()
    {
        const std::vector<std::string> labels{"cat", "dog", "bird", "fish"};
        LabelledFolder folder;
        folder.root = "/data";
        folder.folders = {{"bird", 2, 1}, {"cat", 0, 3}, {"dog", 1, 2}, {"zebra", -1, 4}};
        folder.images = {{"/data/bird/1.png", 2}, {"/data/cat/1.png", 0}, {"/data/cat/2.png", 0},
                         {"/data/cat/3.png", 0},  {"/data/dog/1.png", 1}, {"/data/dog/2.png", 1}};
        const std::vector<ClassifyResult> results{
            failed("/data/bird/1.png"),         predicted("/data/cat/1.png", 0, 1),
            predicted("/data/cat/2.png", 0, 2), predicted("/data/cat/3.png", 1, 0),
            predicted("/data/dog/1.png", 1, 0), predicted("/data/dog/2.png", 0, 1)};
        const Evaluation e = evaluate(folder, results, labels);
        QCOMPARE(e.evaluated, 5);
        QCOMPARE(e.correct, 3);
        QCOMPARE(e.accuracy, 0.6);
        QCOMPARE(e.failedImages, std::vector<std::size_t>{0});
        QCOMPARE(e.classes.size(), std::size_t(3)); // cat, dog, bird, by class index
        QCOMPARE(e.classes[0].label, std::string("cat"));
        QCOMPARE(e.classes[1].label, std::string("dog"));
        QCOMPARE(e.classes[2].label, std::string("bird"));
        QCOMPARE(*e.classes[0].precision, 2.0 / 3.0);
        QCOMPARE(*e.classes[0].recall, 2.0 / 3.0);
        QCOMPARE(*e.classes[1].precision, 0.5);
        QCOMPARE(*e.classes[1].recall, 0.5);
        QVERIFY(!e.classes[2].precision);
        QVERIFY(!e.classes[2].recall);
        const std::vector<std::vector<int>> confusion{{2, 1, 0}, {1, 1, 0}, {0, 0, 0}};
        QCOMPARE(e.confusion, confusion);
        QCOMPARE(e.cellImages[0][1], std::vector<std::size_t>{3}); // the cat taken for a dog
        QCOMPARE(e.cellImages[1][0], std::vector<std::size_t>{5});
        QCOMPARE(e.cellImages[0][0], (std::vector<std::size_t>{1, 2}));

        const nlohmann::json doc = evaluationToJson(folder, results, e);
        QCOMPARE(doc["accuracy"].get<double>(), 0.6);
        QCOMPARE(doc["unmatched_folders"].size(), std::size_t(1));
        QCOMPARE(doc["unmatched_folders"][0]["name"].get<std::string>(), std::string("zebra"));
        QCOMPARE(doc["unmatched_folders"][0]["images"].get<int>(), 4);
        QVERIFY(doc["classes"][2]["precision"].is_null());
        QCOMPARE(doc["failed"][0]["image"].get<std::string>(), std::string("/data/bird/1.png"));
        QCOMPARE(doc["confusion_matrix"].get<std::vector<std::vector<int>>>(), confusion);
    }

    void aPredictionOutsideTheFoldersJoinsTheMatrix()
    {
        LabelledFolder folder;
        folder.folders = {{"cat", 0, 1}};
        folder.images = {{"/d/cat/1.png", 0}};
        const Evaluation e =
            evaluate(folder, {predicted("/d/cat/1.png", 3, 0)}, {"cat", "dog", "bird", "fish"});
        QCOMPARE(e.classes.size(), std::size_t(2));
        QCOMPARE(e.classes[1].label, std::string("fish"));
        QCOMPARE(e.classes[1].predicted, 1);
        QCOMPARE(*e.classes[1].precision, 0.0);
        QCOMPARE(e.accuracy, 0.0);
    }

    void aCancelledRunCountsOnlyWhatRan()
    {
        LabelledFolder folder;
        folder.folders = {{"cat", 0, 3}};
        folder.images = {{"/d/cat/1.png", 0}, {"/d/cat/2.png", 0}, {"/d/cat/3.png", 0}};
        const Evaluation e = evaluate(folder, {predicted("/d/cat/1.png", 0, 1)}, {"cat", "dog"});
        QCOMPARE(e.evaluated, 1);
        QCOMPARE(e.classes[0].support, 1);
    }

    void scanningAFolderOfClassFolders()
    {
        QTemporaryDir dir;
        touch(dir.filePath(QStringLiteral("Cat/b.png")));
        touch(dir.filePath(QStringLiteral("Cat/a.JPG")));
        touch(dir.filePath(QStringLiteral("Cat/nested/c.webp")));
        touch(dir.filePath(QStringLiteral("Cat/notes.txt")));
        touch(dir.filePath(QStringLiteral("1/x.bmp")));
        touch(dir.filePath(QStringLiteral("zebra/z.png")));
        QDir().mkpath(dir.filePath(QStringLiteral("empty")));
        touch(dir.filePath(QStringLiteral("loose.png")));
        auto folder = scanLabelledFolder(dir.path().toStdString(), {"cat", "dog"});
        QVERIFY2(folder, folder ? "" : folder.error().message.c_str());
        QCOMPARE(folder->folders.size(), std::size_t(3)); // "1", "Cat", "zebra"; "empty" holds no image
        QCOMPARE(folder->folders[0].name, std::string("1"));
        QCOMPARE(folder->folders[0].classIndex, 1);
        QCOMPARE(folder->folders[1].classIndex, 0);
        QCOMPARE(folder->folders[1].images, std::size_t(3));
        QCOMPARE(folder->unmatched().size(), std::size_t(1));
        QCOMPARE(folder->unmatched()[0].name, std::string("zebra"));
        QCOMPARE(folder->images.size(), std::size_t(4));
        QCOMPARE(folder->images[1].path.filename().string(), std::string("a.JPG"));
        QCOMPARE(folder->images[3].path.filename().string(), std::string("c.webp"));

        QTemporaryDir flat;
        touch(flat.filePath(QStringLiteral("a.png")));
        auto none = scanLabelledFolder(flat.path().toStdString(), {"cat"});
        QVERIFY(!none);
        QVERIFY(none.error().message.find("no subfolder holds images") != std::string::npos);
    }

    void collectingFilesKeepsArgumentOrder()
    {
        QTemporaryDir dir;
        touch(dir.filePath(QStringLiteral("b/2.png")));
        touch(dir.filePath(QStringLiteral("b/1.png")));
        touch(dir.filePath(QStringLiteral("a.txt")));
        const std::vector<std::filesystem::path> arguments{
            dir.filePath(QStringLiteral("a.txt")).toStdString(),
            dir.filePath(QStringLiteral("b")).toStdString()};
        auto files = collectImageFiles(arguments);
        QVERIFY(files);
        QCOMPARE(files->size(), std::size_t(3));
        QCOMPARE((*files)[0].filename().string(), std::string("a.txt")); // given explicitly: kept
        QCOMPARE((*files)[1].filename().string(), std::string("1.png"));
        auto missing = collectImageFiles({dir.filePath(QStringLiteral("nope")).toStdString()});
        QVERIFY(!missing);
        QCOMPARE(missing.error().kind, ErrorKind::InvalidInput);
    }

    void csvAndJsonForms()
    {
        const std::vector<ClassifyResult> results{
            {.image = "a,b.png", .predictions = {{3, "say \"hi\"", 0.5f}, {1, "Bag", 0.25f}}},
            failed("c.png")};
        const std::string csv = resultsToCsv(results);
        QCOMPARE(csv, std::string("image,rank,index,label,score,error\r\n"
                                  "\"a,b.png\",1,3,\"say \"\"hi\"\"\",0.5,\r\n"
                                  "\"a,b.png\",2,1,Bag,0.25,\r\n"
                                  "c.png,,,,,c.png: not an image\r\n"));
        const nlohmann::json doc = resultsToJson(results);
        QCOMPARE(doc.size(), std::size_t(2));
        QCOMPARE(doc[0]["image"].get<std::string>(), std::string("a,b.png"));
        QCOMPARE(doc[0]["predictions"][1]["label"].get<std::string>(), std::string("Bag"));
        QCOMPARE(doc[0]["predictions"][1]["index"].get<int>(), 1);
        QCOMPARE(doc[0]["predictions"][1]["score"].get<double>(), 0.25);
        QVERIFY(!doc[1].contains("predictions"));
        QCOMPARE(doc[1]["error"].get<std::string>(), std::string("c.png: not an image"));
    }
};

QTEST_GUILESS_MAIN(TestClassifyEvaluation)
#include "test_classify_evaluation.moc"
