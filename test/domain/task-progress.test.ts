import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { newTask, percentOf, type Task, type TaskPhase } from '#shared/domain/task.ts';

const phases: TaskPhase[] = ['connecting', 'discovering', 'collecting', 'finalizing', 'done'];

/** A task's life as the workflow writes it: phases forward, counters up, total fixed before collecting. */
const lifeArbitrary = fc
  .record({
    total: fc.integer({ min: 0, max: 100_000 }),
    expectedTotal: fc.option(fc.integer({ min: 1, max: 100_000 }), { nil: undefined }),
    steps: fc.array(fc.record({ advance: fc.boolean(), discovered: fc.integer({ min: 0, max: 5000 }), processed: fc.integer({ min: 0, max: 5000 }) }), { maxLength: 60 }),
    endsFailed: fc.boolean(),
  });

test('percent never goes down and ends at 100', () => {
  fc.assert(
    fc.property(lifeArbitrary, ({ total, expectedTotal, steps, endsFailed }) => {
      let task: Task = newTask({ id: 't', type: 'platform_sync', trigger: 'api', status: 'queued', phase: 'connecting', ...(expectedTotal ? { expectedTotal } : {}) }, 'now');
      let last = percentOf(task);
      for (const step of steps) {
        let phaseIndex = phases.indexOf(task.phase);
        if (step.advance && phaseIndex < 3) phaseIndex++;
        const phase = phases[phaseIndex]!;
        task = {
          ...task,
          status: 'running',
          phase,
          total: phaseIndex >= 2 ? total : 0,
          discovered: (task.discovered ?? 0) + (phase === 'discovering' ? step.discovered : 0),
          processed: phase === 'collecting' ? Math.min(total, task.processed + step.processed) : task.processed,
        };
        const percent = percentOf(task);
        assert.ok(percent >= last, `${percent} after ${last} in ${phase}`);
        assert.ok(percent >= 0 && percent <= 100);
        last = percent;
      }
      const finished = { ...task, status: endsFailed ? ('failed' as const) : ('succeeded' as const), phase: 'done' as const };
      assert.equal(percentOf(finished), 100);
    }),
  );
});

test('discovery moves the bar when the previous sync gives an estimate', () => {
  const discovering = newTask({ id: 't', type: 'platform_sync', trigger: 'api', status: 'running', phase: 'discovering', expectedTotal: 1000 }, 'now');
  assert.ok(percentOf({ ...discovering, discovered: 500 }) > percentOf({ ...discovering, discovered: 0 }));
  assert.equal(percentOf({ ...discovering, discovered: 5000 }), percentOf({ ...discovering, phase: 'collecting', total: 1000, processed: 0 }));
});
