#pragma once
// The procurement result as a ranked text table and as JSON (schema "moat.procurement",
// version 1, described in docs/model.md) for the report generator.
#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

#include "model/procurement/procurement.hpp"

namespace moat::model {

inline constexpr const char* kProcurementSchema = "moat.procurement";
inline constexpr int kProcurementSchemaVersion = 1;

void print_procurement(const ProcurementResult& r, std::ostream& out);
nlohmann::json procurement_to_json(const ProcurementResult& r);
// Writes atomically (PATH.tmp, then rename).
void write_procurement_json(const ProcurementResult& r, const std::string& path);

}  // namespace moat::model
