#pragma once

// The Hub token, found and stored where huggingface_hub finds and stores it (ARCHITECTURE.md, "Hub: tokens
// and whoami"): HF_TOKEN, then HUGGING_FACE_HUB_TOKEN, then the token file (HF_TOKEN_PATH, else
// HF_HOME/token). Login writes the token file and a section in `stored_tokens` (INI, `hf_token = ...`), both
// 0600 in a 0700 folder, so Python tools see the same login. Tokens are never logged; show maskToken()
// instead. Free functions; any thread (file writes are atomic, not locked against concurrent logins).

#include "error.h"
#include "hub/hub_paths.h"

#include <optional>

#include <QString>

namespace mwb::hub {

enum class TokenSource
{
    EnvHfToken,          // HF_TOKEN
    EnvHuggingFaceToken, // HUGGING_FACE_HUB_TOKEN (legacy)
    TokenFile,           // HF_TOKEN_PATH or HF_HOME/token
};

struct FoundToken
{
    QString token;
    TokenSource source = TokenSource::TokenFile;
    QString
    describeSource(const HubSettings& settings) const; // "from the HF_TOKEN environment variable", ...
};

// The token huggingface_hub would use, or nullopt when there is none (empty values count as none).
std::optional<FoundToken> findToken(const HubSettings& settings);

// "hf_a…xyz4": enough to recognise a token, never enough to use it.
QString maskToken(const QString& token);

// Writes the token file and the `stored_tokens` section `name` (replacing one of the same name).
// Refuses empty tokens, tokens with whitespace inside, and old `api_org` tokens.
Result<void> storeToken(const HubSettings& settings, const QString& token, const QString& name);

// Removes the active token file and its section in `stored_tokens`. Returns whether a token was stored.
Result<bool> removeStoredToken(const HubSettings& settings);
// `hf auth logout` without a name: the token file and every stored token. Returns whether any existed.
Result<bool> removeAllStoredTokens(const HubSettings& settings);

// A token name as it may appear as an INI section of `stored_tokens`: control characters and brackets
// become spaces (the name comes from the server), never empty.
QString safeSectionName(const QString& name);

} // namespace mwb::hub
