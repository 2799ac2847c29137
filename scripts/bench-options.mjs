// The command line of a benchmark script: `--name value` options and bare flags such as `--json`.
const args = process.argv.slice(2);

/** The value after `--name`, or `fallback` when the option is not given. */
export const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};

/** Whether the bare flag `--name` is given. */
export const flag = (name) => args.includes(`--${name}`);

/** The first argument (a mode such as `--bare-server`). */
export const firstArg = () => args[0];
