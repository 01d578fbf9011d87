#pragma once
// Escaping for every piece of text that goes into the HTML report. Case names, reasons and file
// paths come from user input; none of it may be able to close a tag or a <script> block.
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace moat::reports {

// Text and attribute values: & < > " ' become entities.
std::string escape_html(std::string_view text);

// JSON for <script type="application/json">: every '<', '>' and '&' is written as \u003c,
// \u003e, \u0026 (so neither "</script" nor "<!--" can appear), U+2028/2029 as escapes, and
// invalid UTF-8 replaced. The result is still valid JSON for JSON.parse.
std::string json_for_script(const nlohmann::json& data);

// JavaScript source for an inline <script>: "</script" and "<!--" rewritten as "<\/script" and
// "<\!--", which mean the same inside JS strings, regexes and comments.
std::string script_safe_js(std::string_view js);

// Markdown table cell: escapes | ` * _ [ ] < > and newlines so user text cannot break the table.
std::string escape_markdown_cell(std::string_view text);

}  // namespace moat::reports
