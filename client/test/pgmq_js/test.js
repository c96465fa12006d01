// Drives the published pgmq-js client (npm pgmq-js@1.3.1, used unchanged)
// against the pgmq extension. Run by ../pgmq_js.sh, which starts a throwaway
// server and passes its address in PGHOST, PGPORT, PGUSER and PGDATABASE.
//
// Prints one line per check; exits non-zero on the first failure.
'use strict';

const assert = require('node:assert/strict');
const { Client } = require('pg');
const { Pgmq } = require('pgmq-js');

const conn = {
	host: process.env.PGHOST || '127.0.0.1',
	port: Number(process.env.PGPORT || 5432),
	user: process.env.PGUSER || 'postgres',
	database: process.env.PGDATABASE || 'postgres',
	password: '',
	ssl: false,
};

const Q = 'js_queue';
const UQ = 'js_unlogged';

let checks = 0;
function ok(what) {
	checks++;
	console.log(`ok ${checks} - ${what}`);
}

// A plain connection for looking behind the client's back.
let sql;
async function one(text, params) {
	const { rows } = await sql.query(text, params);
	return rows[0];
}

function sleep(ms) {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

function assertMessage(m, id, body) {
	assert.ok(m, `expected message ${id}, got ${m}`);
	assert.equal(m.msgId, id);
	assert.deepEqual(m.message, body);
	assert.ok(m.enqueuedAt instanceof Date && !isNaN(m.enqueuedAt), 'enqueuedAt is a date');
	assert.ok(m.vt instanceof Date && !isNaN(m.vt), 'vt is a date');
}

async function main() {
	const pgmq = await Pgmq.new({ ...conn });
	sql = new Client({ ...conn });
	await sql.connect();
	try {
		await run(pgmq);
	} finally {
		await sql.end();
		await pgmq.close();
	}
}

async function run(pgmq) {
	// Pgmq.new ran CREATE EXTENSION IF NOT EXISTS pgmq CASCADE.
	const ext = await one("SELECT extversion FROM pg_extension WHERE extname = 'pgmq'");
	assert.ok(ext, 'pgmq extension installed');
	assert.equal(ext.extversion, '1.13.1-c1');
	ok(`Pgmq.new created the extension (version ${ext.extversion})`);

	// A second Pgmq.new finds it installed (IF NOT EXISTS).
	const again = await Pgmq.new({ ...conn });
	await again.close();
	ok('Pgmq.new again on an existing extension');

	// ---- queue.create / queue.list
	await pgmq.queue.create(Q);
	let queues = await pgmq.queue.list();
	let q = queues.find((x) => x.name === Q);
	assert.ok(q, `list() includes ${Q}: ${JSON.stringify(queues)}`);
	assert.equal(q.isPartitioned, false);
	assert.equal(q.isUnlogged, false);
	ok(`queue.create + queue.list: ${JSON.stringify({ name: q.name, isPartitioned: q.isPartitioned, isUnlogged: q.isUnlogged })}`);

	const tables = await one(
		"SELECT to_regclass('pgmq.q_' || $1::text) IS NOT NULL AS q, to_regclass('pgmq.a_' || $1::text) IS NOT NULL AS a",
		[Q],
	);
	assert.deepEqual(tables, { q: true, a: true });
	ok('queue.create made pgmq.q_js_queue and pgmq.a_js_queue');

	// Creating an existing queue again is allowed.
	await pgmq.queue.create(Q);
	queues = await pgmq.queue.list();
	assert.equal(queues.filter((x) => x.name === Q).length, 1);
	ok('queue.create of an existing queue is a no-op');

	// ---- msg.send
	const body1 = { hello: 'world', n: 1, nested: { list: [1, 2, 3] } };
	const id1 = await pgmq.msg.send(Q, body1);
	assert.equal(typeof id1, 'number');
	assert.ok(Number.isInteger(id1) && id1 > 0, `send returned id ${id1}`);
	ok(`msg.send returned id ${id1}`);

	// A delayed message stays invisible.
	const delayedId = await pgmq.msg.send(Q, { delayed: true }, 3600);
	assert.ok(delayedId > id1, `ids increase: ${delayedId} > ${id1}`);
	const delayedVt = await one(`SELECT vt > now() + interval '3500 seconds' AS later FROM pgmq.q_${Q} WHERE msg_id = $1`, [
		delayedId,
	]);
	assert.deepEqual(delayedVt, { later: true });
	ok(`msg.send with delay 3600 returned id ${delayedId}, vt an hour ahead`);

	// ---- msg.sendBatch
	const batchBodies = [{ b: 1 }, { b: 2 }, { b: 3 }];
	const batch = await pgmq.msg.sendBatch(Q, batchBodies);
	assert.equal(batch.length, 3);
	batch.forEach((id) => assert.ok(Number.isInteger(id)));
	assert.ok(batch[0] > delayedId && batch[0] < batch[1] && batch[1] < batch[2], `batch ids ascending: ${batch}`);
	ok(`msg.sendBatch returned ids ${JSON.stringify(batch)}`);

	const delayedBatch = await pgmq.msg.sendBatch(Q, [{ late: 1 }, { late: 2 }], 3600);
	assert.equal(delayedBatch.length, 2);
	ok(`msg.sendBatch with delay returned ids ${JSON.stringify(delayedBatch)}`);

	// ---- msg.read
	const before = Date.now();
	const m1 = await pgmq.msg.read(Q, 30);
	assertMessage(m1, id1, body1);
	assert.equal(m1.readCount, 1);
	const ahead = (m1.vt.getTime() - before) / 1000;
	assert.ok(ahead > 25 && ahead < 40, `vt about 30 s ahead, got ${ahead}`);
	ok(`msg.read returned id ${m1.msgId}, readCount 1, vt ${ahead.toFixed(1)} s ahead`);

	// ---- msg.readBatch
	const rb = await pgmq.msg.readBatch(Q, 30, 2);
	assert.equal(rb.length, 2);
	assertMessage(rb[0], batch[0], batchBodies[0]);
	assertMessage(rb[1], batch[1], batchBodies[1]);
	rb.forEach((m) => assert.equal(m.readCount, 1));
	ok(`msg.readBatch(qty 2) returned ids ${rb.map((m) => m.msgId)}`);

	// Only batch[2] is left visible: the others are read or delayed.
	const rest = await pgmq.msg.readBatch(Q, 30, 10);
	assert.deepEqual(
		rest.map((m) => m.msgId),
		[batch[2]],
	);
	ok(`msg.readBatch(qty 10) skips invisible messages, returned ${rest.map((m) => m.msgId)}`);

	const none = await pgmq.msg.read(Q, 30);
	assert.equal(none, undefined);
	ok('msg.read on a queue with nothing visible returns undefined');

	// ---- msg.setVt: pgmq-js runs SELECT * FROM pgmq.set_vt($1, $2, $3) with all three untyped.
	const sv = await pgmq.msg.setVt(Q, id1, 600);
	assertMessage(sv, id1, body1);
	assert.ok(sv.vt.getTime() > m1.vt.getTime() + 500 * 1000, `vt moved from ${m1.vt.toISOString()} to ${sv.vt.toISOString()}`);
	const svDb = await one(`SELECT vt FROM pgmq.q_${Q} WHERE msg_id = $1`, [id1]);
	assert.equal(svDb.vt.getTime(), sv.vt.getTime());
	ok(`msg.setVt(600) moved vt ${m1.vt.toISOString()} -> ${sv.vt.toISOString()}`);

	const sv0 = await pgmq.msg.setVt(Q, id1, 0);
	assertMessage(sv0, id1, body1);
	assert.ok(sv0.vt.getTime() < sv.vt.getTime(), 'vt moved back');
	assert.ok(Math.abs(sv0.vt.getTime() - Date.now()) < 10 * 1000, `vt about now, got ${sv0.vt.toISOString()}`);
	ok(`msg.setVt(0) made message ${id1} visible again (vt ${sv0.vt.toISOString()})`);

	const svMissing = await pgmq.msg.setVt(Q, 987654321, 10);
	assert.equal(svMissing, undefined);
	ok('msg.setVt on a missing id returns undefined');

	// ---- msg.pop
	await sleep(20);
	const popped = await pgmq.msg.pop(Q);
	assertMessage(popped, id1, body1);
	const poppedRow = await one(`SELECT count(*)::int AS n FROM pgmq.q_${Q} WHERE msg_id = $1`, [id1]);
	assert.equal(poppedRow.n, 0);
	ok(`msg.pop returned id ${popped.msgId} and removed it from the queue`);

	const popNone = await pgmq.msg.pop(Q);
	assert.equal(popNone, undefined);
	ok('msg.pop on a queue with nothing visible returns undefined');

	// ---- msg.archive
	const arch = await pgmq.msg.archive(Q, batch[0]);
	assert.equal(arch, true);
	const archRow = await one(`SELECT message FROM pgmq.a_${Q} WHERE msg_id = $1`, [batch[0]]);
	assert.deepEqual(archRow, { message: batchBodies[0] });
	const archGone = await one(`SELECT count(*)::int AS n FROM pgmq.q_${Q} WHERE msg_id = $1`, [batch[0]]);
	assert.equal(archGone.n, 0);
	ok(`msg.archive(${batch[0]}) returned true and moved it to pgmq.a_${Q}`);

	const archMissing = await pgmq.msg.archive(Q, 987654321);
	assert.equal(archMissing, false);
	ok('msg.archive of a missing id returns false');

	// ---- msg.archiveBatch
	const ab = await pgmq.msg.archiveBatch(Q, [batch[1], batch[2], 987654321]);
	assert.deepEqual([...ab].sort((a, b) => a - b), [batch[1], batch[2]]);
	const abRows = await one(`SELECT count(*)::int AS n FROM pgmq.a_${Q} WHERE msg_id = ANY($1::bigint[])`, [
		[batch[1], batch[2]],
	]);
	assert.equal(abRows.n, 2);
	ok(`msg.archiveBatch returned ${JSON.stringify(ab)} (missing id left out)`);

	// ---- msg.delete
	const d1 = await pgmq.msg.send(Q, { del: 1 });
	assert.equal(await pgmq.msg.delete(Q, d1), true);
	const d1Row = await one(`SELECT count(*)::int AS n FROM pgmq.q_${Q} WHERE msg_id = $1`, [d1]);
	assert.equal(d1Row.n, 0);
	ok(`msg.delete(${d1}) returned true and removed it`);

	assert.equal(await pgmq.msg.delete(Q, d1), false);
	ok('msg.delete of a missing id returns false');

	// ---- msg.deleteBatch
	const dels = await pgmq.msg.sendBatch(Q, [{ del: 2 }, { del: 3 }]);
	const db = await pgmq.msg.deleteBatch(Q, [...dels, 987654321]);
	assert.deepEqual([...db].sort((a, b) => a - b), dels);
	const dbRows = await one(`SELECT count(*)::int AS n FROM pgmq.q_${Q} WHERE msg_id = ANY($1::bigint[])`, [dels]);
	assert.equal(dbRows.n, 0);
	ok(`msg.deleteBatch returned ${JSON.stringify(db)} (missing id left out)`);

	// ---- queue.getMetrics: left are the three delayed messages.
	const metrics = await pgmq.queue.getMetrics(Q);
	assert.equal(metrics.queueName, Q);
	assert.equal(metrics.queueLength, 3);
	// sent: id1, delayed, 3 batch, 2 delayed batch, d1, 2 dels = 10
	assert.equal(metrics.totalMessages, 10);
	assert.ok(Number.isInteger(metrics.newestMsgAgeSec) && metrics.newestMsgAgeSec >= 0, `newestMsgAgeSec ${metrics.newestMsgAgeSec}`);
	assert.ok(Number.isInteger(metrics.oldestMsgAgeSec) && metrics.oldestMsgAgeSec >= metrics.newestMsgAgeSec);
	assert.ok(metrics.scrapeTime instanceof Date && !isNaN(metrics.scrapeTime));
	assert.ok(Math.abs(metrics.scrapeTime.getTime() - Date.now()) < 60 * 1000);
	ok(`queue.getMetrics: ${JSON.stringify(metrics)}`);

	// ---- queue.createUnlogged
	await pgmq.queue.createUnlogged(UQ);
	queues = await pgmq.queue.list();
	q = queues.find((x) => x.name === UQ);
	assert.ok(q, `list() includes ${UQ}`);
	assert.equal(q.isUnlogged, true);
	assert.equal(q.isPartitioned, false);
	const persistence = await one('SELECT relpersistence FROM pg_class WHERE oid = to_regclass($1)', [`pgmq.q_${UQ}`]);
	assert.deepEqual(persistence, { relpersistence: 'u' });
	ok(`queue.createUnlogged: listed with isUnlogged true, pgmq.q_${UQ} is unlogged`);

	const uid = await pgmq.msg.send(UQ, { unlogged: true });
	const um = await pgmq.msg.read(UQ, 10);
	assertMessage(um, uid, { unlogged: true });
	ok(`send/read on the unlogged queue (id ${uid})`);

	// ---- queue.getAllMetrics
	const all = await pgmq.queue.getAllMetrics();
	const byName = Object.fromEntries(all.map((m) => [m.queueName, m]));
	assert.ok(byName[Q] && byName[UQ], `getAllMetrics covers both queues: ${all.map((m) => m.queueName)}`);
	assert.equal(byName[Q].queueLength, 3);
	assert.equal(byName[Q].totalMessages, 10);
	assert.equal(byName[UQ].queueLength, 1);
	assert.equal(byName[UQ].totalMessages, 1);
	ok(`queue.getAllMetrics: ${all.length} queues, ${all.map((m) => `${m.queueName}=${m.queueLength}`).join(' ')}`);

	// ---- queue.purge
	await pgmq.queue.purge(Q);
	const purged = await pgmq.queue.getMetrics(Q);
	assert.equal(purged.queueLength, 0);
	assert.equal(purged.newestMsgAgeSec, undefined);
	assert.equal(purged.oldestMsgAgeSec, undefined);
	const archKept = await one(`SELECT count(*)::int AS n FROM pgmq.a_${Q}`);
	assert.equal(archKept.n, 3);
	ok('queue.purge emptied the queue (metrics length 0, ages undefined), archive kept');

	// The queue still works after a purge.
	const afterPurge = await pgmq.msg.send(Q, { after: 'purge' });
	assert.ok(afterPurge > dels[1], `ids continue after purge: ${afterPurge}`);
	assertMessage(await pgmq.msg.pop(Q), afterPurge, { after: 'purge' });
	ok(`send/pop after purge (id ${afterPurge})`);

	// ---- queue.detachArchive: deprecated no-op in 1.13 (raises a WARNING only).
	await pgmq.queue.detachArchive(Q);
	const stillThere = await one("SELECT to_regclass('pgmq.a_' || $1::text) IS NOT NULL AS a", [Q]);
	assert.deepEqual(stillThere, { a: true });
	ok('queue.detachArchive succeeded, archive table kept');

	// ---- queue.drop
	await pgmq.queue.drop(Q);
	await pgmq.queue.drop(UQ);
	queues = await pgmq.queue.list();
	assert.ok(!queues.some((x) => x.name === Q || x.name === UQ), `queues left: ${JSON.stringify(queues)}`);
	const gone = await one(
		"SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'pgmq' AND c.relname IN ('q_js_queue', 'a_js_queue', 'q_js_unlogged', 'a_js_unlogged')",
	);
	assert.equal(gone.n, 0);
	ok('queue.drop removed both queues from list() and their tables');

	const allAfter = await pgmq.queue.getAllMetrics();
	assert.ok(!allAfter.some((m) => m.queueName === Q || m.queueName === UQ));
	ok('queue.getAllMetrics no longer lists the dropped queues');

	// ---- errors surface as rejections
	await assert.rejects(pgmq.msg.send('js_no_such_queue', { x: 1 }));
	ok('msg.send to a missing queue rejects');
}

main().then(
	() => {
		console.log(`pgmq-js: all ${checks} checks passed`);
	},
	(err) => {
		console.error(`not ok ${checks + 1} - ${err && err.stack ? err.stack : err}`);
		// node-postgres server errors carry the SQLSTATE and context.
		if (err && err.severity) {
			for (const k of ['code', 'detail', 'hint', 'where', 'routine']) {
				if (err[k]) console.error(`  ${k}: ${err[k]}`);
			}
		}
		// Exit now: a pool whose server connection died would otherwise
		// crash the process later with a long unhandled 'error' dump.
		process.exit(1);
	},
);
