#include "actors/util/options.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>

#include <fmt/format.h>

namespace actors {

namespace {

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos)
    return {};
  const auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

status bad_value(const std::string& where, const std::string& name,
                 const std::string& value, const std::string& expected) {
  return status::invalid_argument(fmt::format(
    "{}: option '{}' expects {}, got '{}'", where, name, expected, value));
}

} // namespace

option_set::option_set(std::string program, std::string summary)
  : program_(std::move(program)), summary_(std::move(summary)) {
}

void option_set::add(const std::string& name, std::string* target,
                     const std::string& help) {
  entries_.push_back({name, help, *target, "text",
                      [target](const std::string& v, const std::string&) {
                        *target = v;
                        return status::ok();
                      }});
}

void option_set::add_choice(const std::string& name, std::string* target,
                            std::vector<std::string> choices,
                            const std::string& help) {
  std::string list;
  for (auto& c : choices)
    list += (list.empty() ? "" : "|") + c;
  entries_.push_back(
    {name, help, *target, list,
     [=](const std::string& v, const std::string& where) {
       for (auto& c : choices)
         if (v == c) {
           *target = v;
           return status::ok();
         }
       return bad_value(where, name, v, "one of " + list);
     }});
}

void option_set::add(const std::string& name, std::size_t* target,
                     std::size_t min, std::size_t max, const std::string& help) {
  entries_.push_back(
    {name, help, std::to_string(*target), fmt::format("integer {}..{}", min, max),
     [=](const std::string& v, const std::string& where) {
       char* end = nullptr;
       errno = 0;
       const unsigned long long x = std::strtoull(v.c_str(), &end, 10);
       if (v.empty() || v[0] == '-' || *end != '\0' || errno != 0 || x < min
           || x > max)
         return bad_value(where, name, v,
                          fmt::format("an integer in [{}, {}]", min, max));
       *target = static_cast<std::size_t>(x);
       return status::ok();
     }});
}

void option_set::add(const std::string& name, std::uint64_t* target,
                     const std::string& help) {
  entries_.push_back({name, help, std::to_string(*target), "integer",
                      [=](const std::string& v, const std::string& where) {
                        char* end = nullptr;
                        errno = 0;
                        const unsigned long long x
                          = std::strtoull(v.c_str(), &end, 10);
                        if (v.empty() || v[0] == '-' || *end != '\0'
                            || errno != 0)
                          return bad_value(where, name, v,
                                           "a non-negative integer");
                        *target = x;
                        return status::ok();
                      }});
}

void option_set::add(const std::string& name, double* target, double min,
                     double max, const std::string& help) {
  add_real(name, fmt::format("{}", *target), min, max, help,
           [target](double x) { *target = x; });
}

void option_set::add(const std::string& name, float* target, double min,
                     double max, const std::string& help) {
  add_real(name, fmt::format("{}", *target), min, max, help,
           [target](double x) { *target = static_cast<float>(x); });
}

void option_set::add_real(const std::string& name, std::string default_text,
                          double min, double max, const std::string& help,
                          std::function<void(double)> store) {
  entries_.push_back(
    {name, help, std::move(default_text), fmt::format("number {}..{}", min, max),
     [=](const std::string& v, const std::string& where) {
       char* end = nullptr;
       errno = 0;
       const double x = std::strtod(v.c_str(), &end);
       if (v.empty() || *end != '\0' || errno != 0 || !std::isfinite(x)
           || x < min || x > max)
         return bad_value(where, name, v,
                          fmt::format("a number in [{}, {}]", min, max));
       store(x);
       return status::ok();
     }});
}

void option_set::add(const std::string& name, bool* target,
                     const std::string& help) {
  entries_.push_back({name, help, *target ? "true" : "false", "true|false",
                      [=](const std::string& v, const std::string& where) {
                        if (v == "true" || v == "1" || v == "yes")
                          *target = true;
                        else if (v == "false" || v == "0" || v == "no")
                          *target = false;
                        else
                          return bad_value(where, name, v, "true or false");
                        return status::ok();
                      }});
}

void option_set::add_checked(const std::string& name, std::string* target,
                             const std::string& expected,
                             std::function<bool(const std::string&)> valid,
                             const std::string& help) {
  entries_.push_back({name, help, *target, expected,
                      [=](const std::string& v, const std::string& where) {
                        if (!valid(v))
                          return bad_value(where, name, v, expected);
                        *target = v;
                        return status::ok();
                      }});
}

option_set::entry* option_set::find(const std::string& name) {
  for (auto& e : entries_)
    if (e.name == name)
      return &e;
  return nullptr;
}

const option_set::entry* option_set::find(const std::string& name) const {
  for (auto& e : entries_)
    if (e.name == name)
      return &e;
  return nullptr;
}

bool option_set::was_set(const std::string& name) const {
  auto e = find(name);
  return e && e->set;
}

status option_set::set(const std::string& name, const std::string& value,
                       const std::string& where) {
  auto e = find(name);
  if (!e)
    return status::invalid_argument(fmt::format(
      "{}: unknown option '{}' (see --help)", where, name));
  auto st = e->assign(value, where);
  if (st)
    e->set = true;
  return st;
}

status option_set::parse_ini(const std::string& path) {
  std::ifstream in{path};
  if (!in)
    return status::not_found(path + ": cannot open configuration file");
  std::string line, section;
  std::size_t line_no = 0;
  std::map<std::string, std::size_t> seen; // key -> line, to refuse repeats
  while (std::getline(in, line)) {
    ++line_no;
    const std::string where = fmt::format("{}:{}", path, line_no);
    line = trim(line);
    if (line.empty() || line[0] == '#' || line[0] == ';')
      continue;
    if (line.front() == '[') {
      if (line.back() != ']')
        return status::invalid_argument(where + ": expected '[section]'");
      section = trim(line.substr(1, line.size() - 2));
      continue;
    }
    const auto eq = line.find('=');
    if (eq == std::string::npos)
      return status::invalid_argument(where + ": expected 'key = value', got '"
                                      + line + "'");
    std::string key = trim(line.substr(0, eq));
    std::string value = trim(line.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
      value = value.substr(1, value.size() - 2);
    // A section that names this program holds plain keys.
    if (!section.empty() && section != program_)
      key = section + "." + key;
    if (auto [it, fresh] = seen.emplace(key, line_no); !fresh)
      return status::invalid_argument(fmt::format(
        "{}: option '{}' given twice (first on line {})", where, key, it->second));
    if (auto st = set(key, value, where); !st)
      return st;
  }
  return status::ok();
}

status option_set::parse(int argc, char** argv, bool& help_requested) {
  help_requested = false;
  const std::string config_prefix = "--" + config_flag_ + "=";
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind(config_prefix, 0) == 0) {
      if (auto st = parse_ini(arg.substr(config_prefix.size())); !st)
        return st;
    }
  }
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      help_requested = true;
      continue;
    }
    if (arg.rfind(config_prefix, 0) == 0)
      continue;
    if (arg.rfind("--", 0) != 0)
      return status::invalid_argument("unexpected argument '" + arg
                                      + "' (options are --name=value)");
    const auto eq = arg.find('=');
    const std::string name = arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    std::string value;
    if (eq != std::string::npos) {
      value = arg.substr(eq + 1);
    } else {
      auto e = find(name);
      if (e && e->kind == "true|false")
        value = "true";
      else
        return status::invalid_argument("option '--" + name
                                        + "' needs a value: --" + name + "=...");
    }
    if (auto st = set(name, value, "command line"); !st)
      return st;
  }
  return status::ok();
}

std::string option_set::help() const {
  std::string out = fmt::format("{} - {}\n\nOptions (--name=value; also "
                                "`name = value` lines in --{}=FILE):\n",
                                program_, summary_, config_flag_);
  for (auto& e : entries_)
    out += fmt::format("  --{:<20} {} [{}; default: {}]\n", e.name, e.help,
                       e.kind, e.default_text.empty() ? "none" : e.default_text);
  out += fmt::format("  --{:<20} read options from an INI file first\n",
                     config_flag_ + "=FILE")
         + "  --help                 print this text\n";
  return out;
}

} // namespace actors
