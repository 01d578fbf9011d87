#include "reports/chartjs_asset.hpp"

#include <fstream>
#include <sstream>

#include "core/error.hpp"

namespace moat::reports {

std::string default_chartjs_path() { return MOAT_CHARTJS_DEFAULT_PATH; }

std::string load_chartjs(const std::string& path) {
  const std::string file = path.empty() ? default_chartjs_path() : path;
  std::ifstream in(file, std::ios::binary);
  if (!in)
    throw Error("Chart.js not found at '" + file +
                "': the HTML report inlines it so the page works offline. Install it with "
                "`apt-get install libjs-chart.js` or pass --chartjs PATH/TO/chart.min.js");
  std::ostringstream text;
  text << in.rdbuf();
  const std::string js = text.str();
  // The UMD bundle defines the global `Chart`; an ES module build would not, and the report's
  // charts would silently fail to appear.
  if (js.find("Chart.js v") == std::string::npos || js.find("export {") != std::string::npos ||
      js.find("export{") != std::string::npos)
    throw Error("'" + file + "' does not look like the Chart.js UMD bundle (chart.min.js)");
  return js;
}

}  // namespace moat::reports
