// Writes OUTDIR/report.html from synthetic runs that exercise every chart (roofline with roofs,
// prediction scatter, sweeps, distributions, history with a change point) plus hostile text,
// and prints the number of charts the page must draw. Used by html_render_test.sh.
#include <filesystem>
#include <iostream>

#include "reports/chartjs_asset.hpp"
#include "reports/history_analysis.hpp"
#include "reports/html_report.hpp"
#include "reports/output_file.hpp"
#include "reports/report_data.hpp"
#include "synthetic_results.hpp"

using namespace moat::reports;
using testing::SyntheticCase;
using testing::SyntheticRun;

namespace {

std::vector<SyntheticCase> cases(double slowdown, double phase) {
  std::vector<SyntheticCase> out;
  for (int heads : {1, 2, 4, 8}) {
    SyntheticCase c;
    c.params = {{"batch", 1}, {"heads_q", heads}, {"seq", 512}};
    c.samples =
        testing::even_samples(1e-3 * heads * (heads == 4 ? slowdown : 1.0), 0.02, 10, phase);
    c.predicted_s = 0.8e-3 * heads;
    c.flops = 4e9 * heads;
    c.bytes_dram = 2e7 * heads;
    out.push_back(c);
  }
  for (int tokens : {16, 32, 64}) {
    SyntheticCase c;
    c.variant = "moe.grouped_gemm";
    c.params = {{"experts", 8}, {"tokens", tokens}};
    c.dtype = "bf16";
    c.samples = testing::even_samples(2e-4 * tokens / 16, 0.03, 10, phase);
    c.predicted_s = 5e-5 * tokens / 16;  // the model is 4x optimistic here: outliers
    c.flops = 1e9 * tokens;
    c.bytes_dram = 4e6 * tokens;
    out.push_back(c);
  }
  SyntheticCase hostile;
  hostile.variant = "</script><script>document.title='pwned'</script><!--";
  hostile.params = {{"x", 1}};
  hostile.samples = testing::even_samples(1e-3, 0.02, 10, phase);
  out.push_back(hostile);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: " << argv[0] << " OUTDIR [CHARTJS]\n";
    return 2;
  }
  try {
    const std::string dir = argv[1];
    std::filesystem::create_directories(dir);
    const std::string profile = dir + "/fixture-hw.toml";
    write_output(profile,
                 "name = \"Fixture CPU\"\nkind = \"cpu\"\nprovenance = \"datasheet\"\n"
                 "[compute.fp32]\nmatrix_flops = 2.0e13\nvector_flops = 1.0e13\n"
                 "[compute.bf16]\nmatrix_flops = 8.0e13\n"
                 "[[memory]]\nname = \"L2\"\nbandwidth = 4.0e12\n[[memory]]\nname = "
                 "\"DDR5\"\nbandwidth = 2.0e11\n");
    SyntheticRun base_run, head_run;
    base_run.profile_path = head_run.profile_path = profile;
    head_run.sha = "2222222222222222222222222222222222222222";
    head_run.started_at = "2026-11-24T08:00:00Z";

    // History: 12 runs, the heads_q=4 case 25 % slower from run 7 on.
    const std::string store = dir + "/history";
    std::filesystem::remove_all(store);
    for (int i = 0; i < 12; ++i) {
      SyntheticRun r = base_run;
      r.sha = std::to_string(10 + i) + std::string(38, 'f');
      r.started_at = "2026-11-" + std::to_string(10 + i) + "T08:00:00Z";
      append_to_history(
          parse_results_document(testing::results_doc(r, cases(i < 6 ? 1.0 : 1.25, 0.1 * i)),
                                 "history-run.json"),
          store);
    }

    ReportContext ctx{
        parse_results_document(testing::results_doc(head_run, cases(1.25, 0.7)), "head.json"),
        parse_results_document(testing::results_doc(base_run, cases(1.0, 0.3)), "base.json"),
        {},
        {},
        {},
        {},
        2.0};
    ctx.comparison = compare_runs(*ctx.base, ctx.head, {});
    ctx.history = analyze_history(read_history(resolve_history_file(store, "", nullptr)), {}, {});
    const std::string procurement = dir + "/procurement.json";
    write_output(
        procurement,
        R"({"schema": "moat.procurement", "rankings": [{"rank": 1, "hardware": "fixture"}]})");
    ctx.procurement = load_procurement_table(procurement);

    const auto data = report_chart_data(ctx);
    const std::size_t charts =
        (data["roofline"]["points"].empty() ? 0 : 1) +
        (data["prediction"]["points"].empty() ? 0 : 1) + data["sweeps"]["charts"].size() +
        (data["distributions"]["labels"].empty() ? 0 : 1) + data["history"]["charts"].size();
    write_output(dir + "/report.html", html_report(ctx, load_chartjs(argc > 2 ? argv[2] : "")));
    std::cout << charts << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "render fixture: " << e.what() << "\n";
    return 1;
  }
}
