// undici's Agent on its own (see src/http.ts): the package's index loads far more than we use.
declare module 'undici/lib/dispatcher/agent.js' {
  import type { Agent } from 'undici';
  const AgentClass: typeof Agent;
  export default AgentClass;
}
