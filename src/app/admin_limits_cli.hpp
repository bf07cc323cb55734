#pragma once
// `sovra admin limits set|list|delete`: rate-limit rules on the store directly (like the rest of `sovra admin`);
// running servers reload them (SQLite: data_version polling, PostgreSQL: NOTIFY).
namespace CLI {
class App;
}

namespace sovra::app {

void add_limit_commands(CLI::App& admin, int& exit_code);

}  // namespace sovra::app
