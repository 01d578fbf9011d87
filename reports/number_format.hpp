#pragma once
// Human-readable numbers shared by the text, Markdown and HTML outputs.
#include <string>

namespace moat::reports {

std::string format_percent(double relative);  // 0.123 -> "+12.3%", -0.004 -> "-0.4%"
std::string format_ratio(double ratio);       // 1.23456 -> "1.235"; inf -> "inf"
std::string format_p(double p);               // 0.00794 -> "0.0079", 3e-7 -> "3.0e-07"
std::string format_seconds(double seconds);   // 0.00123 -> "1.23 ms"
std::string format_count(double count);       // 1234567 -> "1.235e+06", 1234 -> "1234"

}  // namespace moat::reports
