// wasi:cli/environment for the component: nothing. The component reads no variable, and the
// default shim would hand it the whole process.env (the platform's own secrets included).
export const environment = {
  getEnvironment() {
    return [];
  },
  getArguments() {
    return [];
  },
  initialCwd() {
    return undefined;
  },
};
