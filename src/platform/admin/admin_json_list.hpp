#pragma once
// list_json's template body (kept out of admin_json.hpp's declarations).
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

namespace sovra::platform::admin {

template <typename T>
std::string list_json(const store::Page<T>& page, const std::function<boost::json::object(const T&)>& encode,
                      const std::function<std::string(const T&)>& id_of) {
  boost::json::object o;
  o["object"] = "list";
  boost::json::array data;
  for (const auto& item : page.items) data.emplace_back(encode(item));
  o["data"] = std::move(data);
  if (page.items.empty()) {
    o["first_id"] = nullptr;
    o["last_id"] = nullptr;
  } else {
    o["first_id"] = id_of(page.items.front());
    o["last_id"] = id_of(page.items.back());
  }
  o["has_more"] = page.has_more;
  return boost::json::serialize(o);
}

}  // namespace sovra::platform::admin
