#include "cli/command_args.h"

#include <algorithm>

namespace mwb::cli {

bool CommandArgs::takeFlag(const std::string& name)
{
    auto it = std::find(m_args.begin(), m_args.end(), name);
    if (it == m_args.end())
        return false;
    m_args.erase(it);
    return true;
}

Result<std::optional<std::string>> CommandArgs::takeOption(const std::vector<std::string>& names)
{
    std::optional<std::string> value;
    for (const std::string& name : names) {
        auto values = takeOptions(name);
        if (!values)
            return std::unexpected(values.error());
        if (!values->empty())
            value = values->back();
    }
    return value;
}

Result<std::vector<std::string>> CommandArgs::takeOptions(const std::string& name)
{
    std::vector<std::string> values;
    for (size_t i = 0; i < m_args.size();) {
        const std::string& arg = m_args[i];
        if (arg == name) {
            if (i + 1 >= m_args.size())
                return fail(ErrorKind::InvalidInput, name + " needs a value");
            values.push_back(m_args[i + 1]);
            m_args.erase(m_args.begin() + i, m_args.begin() + i + 2);
        } else if (arg.starts_with(name + "=")) {
            values.push_back(arg.substr(name.size() + 1));
            m_args.erase(m_args.begin() + i);
        } else {
            ++i;
        }
    }
    return values;
}

Result<std::vector<std::string>>
CommandArgs::positionals(size_t min, size_t max, const std::string& usage) const
{
    std::vector<std::string> out;
    for (const std::string& arg : m_args) {
        if (arg.size() > 1 && arg.front() == '-')
            return fail(ErrorKind::InvalidInput, "unknown option " + arg + "; usage: " + usage);
        out.push_back(arg);
    }
    if (out.size() < min)
        return fail(ErrorKind::InvalidInput, "missing argument; usage: " + usage);
    if (out.size() > max)
        return fail(ErrorKind::InvalidInput, "unexpected argument \"" + out[max] + "\"; usage: " + usage);
    return out;
}

} // namespace mwb::cli
