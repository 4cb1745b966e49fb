#include "actors/data/dataset.hpp"

#include <algorithm>
#include <cassert>
#include <filesystem>
#include <system_error>

#include "actors/data/csv.hpp"
#include "actors/data/idx.hpp"

namespace actors {

namespace fs = std::filesystem;

status validate(const dataset& d) {
  if (d.height == 0 || d.width == 0 || d.channels == 0)
    return status::invalid_argument(
      "dataset: image shape " + std::to_string(d.height) + "x"
      + std::to_string(d.width) + "x" + std::to_string(d.channels)
      + " has a zero dimension");
  if (d.classes == 0 || d.classes > 256)
    return status::invalid_argument("dataset: classes is "
                                    + std::to_string(d.classes)
                                    + ", expected 1..256 (labels are bytes)");
  if (d.pixels.size() != d.rows * d.features())
    return status::invalid_argument(
      "dataset: pixels holds " + std::to_string(d.pixels.size())
      + " bytes, expected rows * features = " + std::to_string(d.rows) + " * "
      + std::to_string(d.features()));
  if (d.labels.size() != d.rows)
    return status::invalid_argument(
      "dataset: labels holds " + std::to_string(d.labels.size())
      + " values, expected rows = " + std::to_string(d.rows));
  for (std::size_t r = 0; r < d.rows; ++r)
    if (d.labels[r] >= d.classes)
      return status::invalid_argument(
        "dataset: record " + std::to_string(r) + " has label "
        + std::to_string(d.labels[r]) + ", expected 0.."
        + std::to_string(d.classes - 1));
  return status::ok();
}

void gather_batch(const dataset& d, const std::uint32_t* indices, std::size_t n,
                  const scaling& s, float* x, float* y) {
  // Double precision for the table, so the mapping of each byte is the
  // correctly rounded value of the formula (250 -> exactly 1 when old_max=250).
  float table[256];
  const double old_range = static_cast<double>(s.old_max) - s.old_min;
  const double new_range = static_cast<double>(s.new_max) - s.new_min;
  const double factor = old_range != 0 ? new_range / old_range : 0.0;
  for (int v = 0; v < 256; ++v)
    table[v] = static_cast<float>((v - static_cast<double>(s.old_min)) * factor
                                  + s.new_min);

  const std::size_t features = d.features();
  for (std::size_t i = 0; i < n; ++i) {
    assert(indices[i] < d.rows);
    const std::uint8_t* src = d.pixels.data() + indices[i] * features;
    float* dst = x + i * features;
    for (std::size_t f = 0; f < features; ++f)
      dst[f] = table[src[f]];
  }
  if (y == nullptr)
    return;
  std::fill(y, y + n * d.classes, 0.0f);
  for (std::size_t i = 0; i < n; ++i)
    y[i * d.classes + d.labels[indices[i]]] = 1.0f;
}

namespace {

bool is_file(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

/// The first of `names` that exists in `folder`, or an empty path.
fs::path first_existing(const fs::path& folder,
                        const std::vector<std::string>& names) {
  for (const auto& name : names)
    if (is_file(folder / name))
      return folder / name;
  return {};
}

/// The IDX spellings seen in the wild for one file: LeCun's names, the
/// dotted ones some mirrors use, each plain or gzipped.
std::vector<std::string> idx_names(const std::string& prefix,
                                   const std::string& kind) {
  const std::string dashed = prefix + "-" + kind;
  std::string dotted = dashed;
  dotted[dotted.find("-idx")] = '.';
  return {dashed, dashed + ".gz", dotted, dotted + ".gz"};
}

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names)
    out += (out.empty() ? "" : ", ") + n;
  return out;
}

} // namespace

result<dataset> load_dataset(const std::string& dir, const std::string& name,
                             const std::string& split) {
  if (name != "mnist" && name != "fashion")
    return status::invalid_argument("load_dataset: unknown data set '" + name
                                    + "', expected mnist or fashion");
  if (split != "train" && split != "test")
    return status::invalid_argument("load_dataset: unknown split '" + split
                                    + "', expected train or test");
  const fs::path folder = fs::path{dir} / name;
  const std::string prefix = split == "train" ? "train" : "t10k";
  const auto image_names = idx_names(prefix, "images-idx3-ubyte");
  const auto label_names = idx_names(prefix, "labels-idx1-ubyte");
  const auto images = first_existing(folder, image_names);
  const auto labels = first_existing(folder, label_names);
  if (!images.empty() && !labels.empty())
    return read_idx(images.string(), labels.string());

  const std::string kaggle_name = name == "mnist" ? "mnist" : "fashion-mnist";
  const std::vector<std::string> csv_names = {split + ".csv",
                                              name + "_" + split + ".csv",
                                              kaggle_name + "_" + split
                                                + ".csv"};
  std::vector<std::string> unique_csv;
  for (const auto& n : csv_names)
    if (std::find(unique_csv.begin(), unique_csv.end(), n) == unique_csv.end())
      unique_csv.push_back(n);
  if (const auto csv = first_existing(folder, unique_csv); !csv.empty())
    return read_csv(csv.string());

  // Half an IDX pair is worth saying explicitly: the fix is one missing file.
  std::string detail;
  if (!images.empty())
    detail = "; found " + images.filename().string()
             + " but no labels file";
  else if (!labels.empty())
    detail = "; found " + labels.filename().string()
             + " but no images file";
  return status::not_found("no " + name + " " + split + " data in "
                           + folder.string() + ": looked for IDX images ("
                           + join(image_names) + ") with labels ("
                           + join(label_names) + "), then CSV ("
                           + join(unique_csv) + ")" + detail
                           + "; scripts/fetch_data.sh downloads them");
}

} // namespace actors
