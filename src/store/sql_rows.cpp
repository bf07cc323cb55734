#include "store/sql_rows.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>

#include "common/json.hpp"

namespace sovra::store::detail {

std::string text(const SqlRow& row, std::size_t i) { return i < row.size() && row[i] ? *row[i] : std::string(); }

std::int64_t integer(const SqlRow& row, std::size_t i) {
  if (i >= row.size() || !row[i] || row[i]->empty()) return 0;
  try {
    return std::stoll(*row[i]);
  } catch (const std::exception&) {
    return 0;
  }
}

std::string string_list_json(const std::vector<std::string>& items) {
  boost::json::array a;
  for (const auto& s : items) a.emplace_back(s);
  return boost::json::serialize(a);
}

std::vector<std::string> parse_string_list(const std::string& json) {
  std::vector<std::string> out;
  auto v = parse_json(json);
  if (!v || !v->is_array()) return out;
  for (const auto& e : v->as_array()) {
    if (e.is_string()) out.emplace_back(e.as_string());
  }
  return out;
}

std::int64_t clamp_limit(std::int64_t limit) { return std::clamp<std::int64_t>(limit, 1, 100); }

Error not_found(std::string_view what, const std::string& id) {
  return Error::not_found("No " + std::string(what) + " found with id '" + id + "'.");
}

Error maybe_conflict(Error e, std::string_view what) {
  const auto& m = e.message;
  if (m.find("UNIQUE") != std::string::npos || m.find("unique") != std::string::npos ||
      m.find("duplicate key") != std::string::npos) {
    return Error{ErrorCode::kConflict, std::string(what) + " already exists.", {}, 0};
  }
  return e;
}

}  // namespace sovra::store::detail
