// Awaits a model call that must fail, and returns its ModelError for the test to inspect.
import { expect } from 'chai';
import { ModelError } from '../../core/errors.ts';

export async function rejection(promise: Promise<unknown>): Promise<ModelError> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(ModelError);
    return error as ModelError;
  }
  throw new Error('expected the call to fail');
}
