#include "reports/annotations.hpp"

#include <toml++/toml.h>

#include "core/error.hpp"

namespace moat::reports {

namespace {

constexpr std::size_t kMinCommitPrefix = 7;  // git's default abbreviation

SourceLocation where(const std::string& file, const toml::source_region& r) {
  return {file, static_cast<int>(r.begin.line), static_cast<int>(r.begin.column)};
}
SourceLocation where(const std::string& file, const toml::node& n) {
  return where(file, n.source());
}

std::string required_string(const std::string& file, const toml::table& t, const std::string& key) {
  const toml::node* n = t.get(key);
  if (!n) throw Error(where(file, t), "[[accepted]] entry lacks '" + key + "'");
  auto v = n->value<std::string>();
  if (!v || v->empty()) throw Error(where(file, *n), "'" + key + "' must be a non-empty string");
  return *v;
}

}  // namespace

const AcceptedChange* Annotations::find(const std::string& case_id,
                                        const std::string& git_sha) const {
  for (const auto& a : accepted)
    if ((a.case_id == "*" || a.case_id == case_id) && git_sha.rfind(a.commit, 0) == 0) return &a;
  return nullptr;
}

Annotations load_annotations(const std::string& path) {
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    throw Error(SourceLocation{path, static_cast<int>(e.source().begin.line),
                               static_cast<int>(e.source().begin.column)},
                std::string(e.description()));
  }
  Annotations out;
  for (auto&& [key, node] : root)
    if (key.str() != "accepted")
      throw Error(where(path, key.source()), "unknown key '" + std::string(key.str()) + "'",
                  "an annotations file holds [[accepted]] entries only");
  const toml::node* list = root.get("accepted");
  if (!list) return out;
  const toml::array* entries = list->as_array();
  if (!entries)
    throw Error(where(path, *list), "'accepted' must be an array of tables ([[accepted]])");
  for (const auto& entry : *entries) {
    const toml::table* t = entry.as_table();
    if (!t) throw Error(where(path, entry), "[[accepted]] entries must be tables");
    for (auto&& [key, node] : *t)
      if (key.str() != "case" && key.str() != "commit" && key.str() != "reason")
        throw Error(where(path, key.source()),
                    "unknown key '" + std::string(key.str()) + "' in [[accepted]]",
                    "allowed keys: case, commit, reason");
    AcceptedChange a{required_string(path, *t, "case"), required_string(path, *t, "commit"),
                     required_string(path, *t, "reason")};
    if (a.commit.size() < kMinCommitPrefix)
      throw Error(where(path, *t->get("commit")),
                  "commit '" + a.commit + "' is too short to identify a change",
                  "give at least " + std::to_string(kMinCommitPrefix) + " hex digits");
    out.accepted.push_back(std::move(a));
  }
  return out;
}

}  // namespace moat::reports
