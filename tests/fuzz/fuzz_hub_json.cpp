// Every JSON answer of the Hub the client interprets: whoami, repo info, refs, commits, tree.
#include "hub/hub_json.h"

#include <cstddef>
#include <cstdint>

#include <QUrl>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace mwb::hub::detail;
    const QByteArray body(reinterpret_cast<const char*>(data), qsizetype(size));
    const QUrl url(QStringLiteral("https://hub.example/api/models/org/repo"));
    (void)parseWhoAmI(body, url);
    (void)parseRepoInfo(body, url);
    (void)parseRefs(body, url);
    (void)parseCommits(body, url);
    (void)parseTree(body, url);
    return 0;
}
