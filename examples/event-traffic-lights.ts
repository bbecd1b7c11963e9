// Traffic lights: an Event is the light. Ten cars wait for green; five police cars wait 0.1 s,
// then go through the red light; a light process turns it green, red, green, 3 s apart.
// Twin of examples/python/event-traffic-lights.py (seed 001, "进程同步", 3. multiprocess.Event),
// bounded in time as that file is (see there): the seed's light toggles every 10 s forever.
// As in the seed, the light's line after a toggle to red says True: it prints before clear().
//
// The Event lives in shared memory and arrives in each child as a live handle. e.wait() resolves
// once the flag is set, or, given a timeout in milliseconds, when that has passed.
import { Event, isMain, Process } from 'multiprocessing-ts';

// The targets are sent to the children as source, so they use nothing from this module.
async function car(e: Event, n: number): Promise<void> {
  const randint = (a: number, b: number): number => a + Math.floor(Math.random() * (b - a + 1)); // Python's random.randint
  for (;;) {
    if (!e.isSet()) {
      // 进程刚开启，is_set()的值是False，模拟信号灯为红色
      console.log(`\x1b[31m 红灯亮\x1b[0m. car${n} 等着`);
      await e.wait(); // 阻塞，等待is_set()的值变成True，模拟信号灯为绿色
      console.log(`\x1b[32m 车${n} 绿灯亮了\x1b[0m`);
      await new Promise((resolve) => setTimeout(resolve, (randint(3, 6) / 10) * 1000)); // bounded: was randint(3, 6) s
      if (!e.isSet()) {
        // 如果is_set()的值是False，也就是红灯，仍然回到while语句开始
        continue;
      }
      console.log(`飘过 --~~~~,car ${n}`);
      break;
    }
  }
}

async function policeCar(e: Event, n: number): Promise<void> {
  for (;;) {
    if (!e.isSet()) {
      // 进程刚开启，is_set()的值是False，模拟信号灯为红色
      console.log(`\x1b[31m 红灯亮\x1b[0m. car${n} 等着`);
      await e.wait(100); // 阻塞，等待设置等待时间，等待0.1s之后没有等到绿地就闯红灯走了
      if (!e.isSet()) {
        console.log(`\x1b[33m红灯，警车飞过\x1b[0m,car ${n}`);
      } else {
        console.log(`\x1b[33m;46m绿灯，警车正常通过\x1b[0m,car ${n}`);
      }
    }

    break;
  }
}

async function trafficLights(e: Event, inverval: number): Promise<void> {
  const py = (value: boolean): string => (value ? 'True' : 'False'); // Python's str() of a bool
  for (let i = 0; i < 3; i++) {
    // bounded: was `while True:`
    await new Promise((resolve) => setTimeout(resolve, inverval * 1000));
    if (e.isSet()) {
      console.log(`###### ${py(e.isSet())}`);
      e.clear(); // 将is_set()的值设置为Fasle
    } else {
      e.set(); // 将is_set()的值设置为True
      console.log(`###### ${py(e.isSet())}`);
    }
  }
}

if (isMain(import.meta)) {
  const e = new Event();
  const ps: Process[] = []; // bounded: the processes, to join them
  for (let i = 0; i < 10; i++) {
    const p = new Process({ target: car, args: [e, i] });
    p.start();
    ps.push(p); // bounded
  }

  for (let i = 0; i < 5; i++) {
    const p = new Process({ target: policeCar, args: [e, i] });
    p.start();
    ps.push(p); // bounded
  }

  const t = new Process({ target: trafficLights, args: [e, 3] }); // bounded: was an interval of 10
  t.start();
  ps.push(t); // bounded
  console.log('========================================>');
  for (const p of ps) await p.join(); // bounded
}
