// option_set: strict command-line and INI-file options for the apps.
//
// Every option is declared once with its variable, its default (the value
// the variable holds when declared), a range and a help line. Values come
// from an INI file (`key = value`, `#`/`;` comments, optional `[section]`
// headers that prefix keys as `section.key`) and then from `--key=value`
// arguments, which win. Unlike CAF's parser, which keeps the default on a
// misspelt key or a bad value, anything unknown or malformed is an error that
// names the file and line or the argument.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "actors/util/status.hpp"

namespace actors {

/// A declared set of options and their parsing.
class option_set {
public:
  option_set(std::string program, std::string summary);

  void add(const std::string& name, std::string* target, const std::string& help);
  void add_choice(const std::string& name, std::string* target,
                  std::vector<std::string> choices, const std::string& help);
  void add(const std::string& name, std::size_t* target, std::size_t min,
           std::size_t max, const std::string& help);
  void add(const std::string& name, std::uint64_t* target, const std::string& help);
  void add(const std::string& name, double* target, double min, double max,
           const std::string& help);
  /// A real number read as a double, then rounded to float.
  void add(const std::string& name, float* target, double min, double max,
           const std::string& help);
  void add(const std::string& name, bool* target, const std::string& help);
  /// A text option whose values must satisfy `valid`; `expected` describes
  /// them in errors and help (e.g. "a duration such as 500ms or 2s").
  void add_checked(const std::string& name, std::string* target,
                   const std::string& expected,
                   std::function<bool(const std::string&)> valid,
                   const std::string& help);

  /// The argument that names a configuration file (default "config", i.e.
  /// --config=FILE; caf-node uses CAF's "config-file").
  void config_flag(std::string flag) { config_flag_ = std::move(flag); }

  /// Parses argv. `--config=FILE` (anywhere) is read first; `--help` sets
  /// help_requested. Bare arguments are errors.
  status parse(int argc, char** argv, bool& help_requested);

  /// Reads `key = value` lines from an INI file.
  status parse_ini(const std::string& path);

  /// Sets one option; `where` names the source for error messages.
  status set(const std::string& name, const std::string& value,
             const std::string& where);

  /// True if the option was set from a file or the command line.
  bool was_set(const std::string& name) const;

  /// Usage text: every option with its default and help.
  std::string help() const;

private:
  struct entry {
    std::string name;
    std::string help;
    std::string default_text;
    std::string kind; // "string", "integer", ... for the help text
    std::function<status(const std::string&, const std::string&)> assign;
    bool set = false;
  };
  void add_real(const std::string& name, std::string default_text, double min,
                double max, const std::string& help,
                std::function<void(double)> store);
  entry* find(const std::string& name);
  const entry* find(const std::string& name) const;

  std::string program_;
  std::string summary_;
  std::string config_flag_ = "config";
  std::vector<entry> entries_;
};

} // namespace actors
