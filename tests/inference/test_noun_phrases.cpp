// The caption chunker on the narrative captions printed in the GS paper (figures 6 and 7):
// every object a person would label comes out as its own phrase, and phrases about the
// picture itself do not.
#include "inference/text/noun_phrases.h"

#include <QtTest>

#include <algorithm>

using namespace ld;

Q_DECLARE_METATYPE(std::vector<std::string>)

namespace {
std::vector<std::string> list(std::initializer_list<const char*> v) { return {v.begin(), v.end()}; }
}  // namespace

class TestNounPhrases : public QObject {
    Q_OBJECT
private slots:
    void gsCaptions_data() {
        QTest::addColumn<QString>("caption");
        QTest::addColumn<std::vector<std::string>>("expected");
        QTest::newRow("umbrella")
            << "In this image there is a person standing and holding umbrella inside a house where there are "
               "frames, light attached to wall and doors."
            << list({"a person", "umbrella", "a house", "frames", "light", "wall", "doors"});
        QTest::newRow("bench") << "In the bottom of the image there is a ground with grass on it. In the middle of "
                                  "the image there is a bench ..."
                               << list({"a ground", "grass", "a bench"});
        QTest::newRow("aircraft") << "In this image I can see an aircraft and also I can see smoke over here."
                                  << list({"an aircraft", "smoke"});
        QTest::newRow("laptop")
            << "In this image we can see a laptop, mobile phone and some things are kept on the table. In the "
               "background we can see a chair and a person standing near the table."
            << list({"a laptop", "mobile phone", "some things", "the table", "a chair", "a person", "the table"});
        QTest::newRow("snow hill")
            << "There is a person in blue color coat, wearing black color bag, ..., which is on the snow hill. In "
               "the background, there are trees, mountains and sky."
            << list({"a person", "blue color coat", "black color bag", "the snow hill", "trees", "mountains", "sky"});
        QTest::newRow("players")
            << "In this picture deity players standing on the ground. On the left there is a person who is wearing "
               "a white dress and holding a ball."
            << list({"deity players", "the ground", "a person", "a white dress", "a ball"});
        QTest::newRow("girl")
            << "In this picture there is a girl standing holding umbrella in her hand. She is wearing a hoodies and "
               "boots. Behind her there are trees, plants and sky."
            << list({"a girl", "umbrella", "her hand", "a hoodies", "boots", "trees", "plants", "sky"});
        QTest::newRow("leg") << "In the picture we can see a bench and on it we can see a paper with some text on it "
                                "and beside it, we can see a person's leg on the bench and behind it we can see the "
                                "wall."
                             << list({"a bench", "a paper", "some text", "a person's leg", "the bench", "the wall"});
        QTest::newRow("of-phrases") << "A group of people near a cup of tea, and lots of cars."
                                    << list({"A group of people", "a cup of tea", "lots of cars"});
        QTest::newRow("buildings are nouns") << "There are buildings and a railing in the evening."
                                             << list({"buildings", "a railing", "the evening"});
        QTest::newRow("empty") << "" << std::vector<std::string>{};
        QTest::newRow("no nouns") << "In this image we can see." << std::vector<std::string>{};
    }
    void gsCaptions() {
        QFETCH(QString, caption);
        QFETCH(std::vector<std::string>, expected);
        const auto got = nounPhrases(caption.toStdString());
        std::string joined;
        for (const auto& p : got) joined += "[" + p + "] ";
        QVERIFY2(got == expected, joined.c_str());
    }

    // Offsets point at the phrase in the caption, so a UI can highlight it.
    void offsetsPointIntoTheCaption() {
        const std::string caption = "Near  the red  umbrella, a dog.";
        const auto phrases = chunkNounPhrases(caption);
        QCOMPARE(int(phrases.size()), 2);
        QCOMPARE(caption.substr(phrases[0].begin, phrases[0].end - phrases[0].begin), std::string("the red  umbrella"));
        QCOMPARE(phrases[0].text, std::string("the red umbrella"));
        QCOMPARE(caption.substr(phrases[1].begin, phrases[1].end - phrases[1].begin), std::string("a dog"));
    }
};

QTEST_APPLESS_MAIN(TestNounPhrases)
#include "test_noun_phrases.moc"
