import type * as workflows from '../../workflows';
import { WORKFLOW_TYPES } from '../../src/temporal/contracts/workflow-types';

// Clients start workflows by the contract's type name; the worker registers the functions workflows/index.ts
// exports. A name that drifted from its function would fail only at run time ("workflow type not found").
describe('workflow contracts', () => {
  const contractTypes = WORKFLOW_TYPES;

  // Checked by the type checker (workflow code runs only inside the sandbox, so it is not imported here).
  type ContractType = (typeof contractTypes)[number];
  type WorkflowName = {
    [K in keyof typeof workflows]: (typeof workflows)[K] extends (...args: never[]) => Promise<unknown> ? K : never;
  }[keyof typeof workflows];
  const everyContractNamesAWorkflow: Exclude<ContractType, WorkflowName> extends never ? true : false = true;
  const everyWorkflowHasAContract: Exclude<WorkflowName, ContractType> extends never ? true : false = true;

  it('every exported workflow has a contract, and every contract names an exported workflow (typecheck)', () => {
    expect([everyContractNamesAWorkflow, everyWorkflowHasAContract]).toEqual([true, true]);
    expect(new Set(contractTypes).size).toBe(contractTypes.length);
  });
});
