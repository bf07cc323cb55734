#pragma once
// Helpers shared by the SqlStore files: reading typed values from text cells, pagination, JSON string lists.
#include <string>
#include <vector>

#include "store/records.hpp"
#include "store/sql.hpp"

namespace sovra::store::detail {

inline constexpr std::string_view kKeyChannel = "sovra_keys";

std::string text(const SqlRow& row, std::size_t i);
std::int64_t integer(const SqlRow& row, std::size_t i);
std::string string_list_json(const std::vector<std::string>& items);
std::vector<std::string> parse_string_list(const std::string& json);
std::int64_t clamp_limit(std::int64_t limit);  // 1…100, as OpenAI's list endpoints

// Turns rows fetched with LIMIT limit+1 into a page.
template <typename T, typename Map>
Page<T> to_page(const SqlRows& rows, std::int64_t limit, Map map) {
  Page<T> page;
  for (const auto& r : rows.rows) {
    if (static_cast<std::int64_t>(page.items.size()) == limit) {
      page.has_more = true;
      break;
    }
    page.items.push_back(map(r));
  }
  return page;
}

Error not_found(std::string_view what, const std::string& id);
// INSERT of one api_keys row inside the caller's transaction (sql_store_keys.cpp).
Status insert_key_row(SqlSession& s, const ApiKeyRecord& k);
// Turns a database error on a UNIQUE or PRIMARY KEY violation into a conflict naming `what`.
Error maybe_conflict(Error e, std::string_view what);

}  // namespace sovra::store::detail
