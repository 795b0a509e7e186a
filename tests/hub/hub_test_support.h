#pragma once

// Shared by the Hub tests: a FakeHub on 127.0.0.1 (ports chosen by the OS) with the demo content, a
// temporary HF_HOME, and HubSettings pointing at both with short backoff so retry tests stay fast.

#include "fake_hub.h"
#include "hub/hub_paths.h"

#include <memory>

#include <QTemporaryDir>
#include <QTest>

namespace mwb::hubtest {

struct HubFixture
{
    std::unique_ptr<fakehub::FakeHub> server = std::make_unique<fakehub::FakeHub>();
    QTemporaryDir home;
    hub::HubSettings settings;

    bool start()
    {
        server->addDemoContent();
        if (!server->listen() || !home.isValid())
            return false;
        settings.endpoint = server->endpoint();
        settings.hfHome = home.path() + QStringLiteral("/hf");
        settings.cacheDir = settings.hfHome + QStringLiteral("/hub");
        settings.tokenPath = settings.hfHome + QStringLiteral("/token");
        settings.userAgent = QStringLiteral("model-workbench/test; hf_hub/compatible");
        settings.backoffBaseMs = 20;
        settings.backoffMaxMs = 40;
        settings.metadataTimeoutMs = 5000;
        settings.downloadTimeoutMs = 5000;
        return true;
    }

    qsizetype countRequests(const QString& origin, const QByteArray& method = {}) const
    {
        qsizetype n = 0;
        for (const auto& r : server->requests())
            if (r.origin == origin && (method.isEmpty() || r.method == method))
                ++n;
        return n;
    }
};

} // namespace mwb::hubtest
