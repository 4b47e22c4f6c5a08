//! Interval timers: alarm/setitimer (ITIMER_REAL, and ITIMER_VIRTUAL and
//! ITIMER_PROF on the process's CPU time) and POSIX timers (timer_create
//! with SIGEV_SIGNAL / SIGEV_THREAD_ID / SIGEV_NONE).
//!
//! An armed timer is a sleeping host thread that sends the signal when it
//! fires, re-arming itself for intervals; re-arming or deleting the timer
//! bumps its generation, which retires the old thread. A CPU-time timer's
//! thread samples the CPU clock of the process's stub (where all guest
//! time is spent) and sleeps at most as long as the CPU time left could
//! take to run out.
//!
//! # Lock order
//! The timer table's mutex is a leaf; the process table is called after it
//! is released.

use crate::abi::signal::{SigInfo, SI_KERNEL, SI_TIMER};
use crate::vfs::dentry::lock;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

/// The id alarm/setitimer(ITIMER_REAL) use in the table.
pub const ITIMER_REAL_ID: i32 = -1;
/// The id of setitimer(ITIMER_VIRTUAL) in the table.
pub const ITIMER_VIRTUAL_ID: i32 = -2;
/// The id of setitimer(ITIMER_PROF) in the table.
pub const ITIMER_PROF_ID: i32 = -3;

/// How often a CPU-time timer looks at the clock at most.
const CPU_TICK_MAX: Duration = Duration::from_millis(100);
/// How often at least (the timer's resolution).
const CPU_TICK_MIN: Duration = Duration::from_millis(1);

/// One timer's state.
#[derive(Debug)]
struct Timer {
    signo: i32,
    /// sigev_value, for si_value.
    value: u64,
    generation: Arc<AtomicU64>,
    /// When it fires next, and its interval.
    deadline: Option<Instant>,
    interval: Duration,
    /// SIGEV_NONE: never signals.
    silent: bool,
    /// A CPU-time timer: the CPU time left, kept by its thread (the
    /// deadline is unused).
    cpu_left: Option<Duration>,
}

/// All timers of the sandbox, by (process, timer id).
#[derive(Debug, Default)]
pub struct Timers {
    timers: Mutex<HashMap<(i32, i32), Timer>>,
    next_id: Mutex<HashMap<i32, i32>>,
}

impl Timers {
    /// timer_create: a disarmed timer; returns its id.
    pub fn create(&self, pid: i32, signo: i32, value: u64, silent: bool) -> i32 {
        let id = {
            let mut n = lock(&self.next_id);
            let e = n.entry(pid).or_insert(0);
            let id = *e;
            *e += 1;
            id
        };
        self.insert(pid, id, signo, value, silent);
        id
    }

    /// A timer with a chosen id (timer_create without a sigevent, whose
    /// si_value is the id).
    pub fn create_with_id(&self, pid: i32, id: i32, signo: i32, value: u64) {
        self.insert(pid, id, signo, value, false);
    }

    fn insert(&self, pid: i32, id: i32, signo: i32, value: u64, silent: bool) {
        lock(&self.timers).insert(
            (pid, id),
            Timer {
                signo,
                value,
                generation: Arc::new(AtomicU64::new(0)),
                deadline: None,
                interval: Duration::ZERO,
                silent,
                cpu_left: None,
            },
        );
    }

    /// Whether `pid` has timer `id`.
    pub fn exists(&self, pid: i32, id: i32) -> bool {
        lock(&self.timers).contains_key(&(pid, id))
    }

    /// Time left and interval of a timer (zero when disarmed).
    pub fn get(&self, pid: i32, id: i32) -> Option<(Duration, Duration)> {
        let t = lock(&self.timers);
        let tm = t.get(&(pid, id))?;
        let left = tm.deadline.map_or(Duration::ZERO, |d| {
            d.saturating_duration_since(Instant::now())
        });
        Some((tm.cpu_left.unwrap_or(left), tm.interval))
    }

    /// setitimer(ITIMER_VIRTUAL or ITIMER_PROF): arms (or with `value`
    /// zero disarms) a timer on process `pid`'s CPU time; returns the old
    /// (CPU time left, interval).
    pub fn set_cpu(
        &self,
        kernel: &Arc<super::Kernel>,
        pid: i32,
        id: i32,
        value: Duration,
        interval: Duration,
    ) -> (Duration, Duration) {
        use crate::abi::signal::{SIGPROF, SIGVTALRM};
        if !self.exists(pid, id) {
            let signo = if id == ITIMER_PROF_ID {
                SIGPROF
            } else {
                SIGVTALRM
            };
            self.insert(pid, id, signo, 0, false);
        }
        let old = self.get(pid, id).unwrap_or_default();
        let mut t = lock(&self.timers);
        let Some(tm) = t.get_mut(&(pid, id)) else {
            return old;
        };
        let gen = tm.generation.fetch_add(1, Ordering::SeqCst) + 1;
        tm.interval = interval;
        if value.is_zero() {
            tm.cpu_left = None;
            tm.interval = Duration::ZERO;
            return old;
        }
        tm.cpu_left = Some(value);
        let (signo, generation) = (tm.signo, tm.generation.clone());
        drop(t);
        let k: Weak<super::Kernel> = Arc::downgrade(kernel);
        let _ = std::thread::Builder::new()
            .name(format!("cputimer-{pid}-{id}"))
            .spawn(move || cpu_timer(k, pid, id, signo, gen, generation, value, interval));
        old
    }

    /// Arms (or with `value` zero disarms) a timer; returns the old
    /// (time left, interval). ITIMER_REAL is created on first use.
    pub fn set(
        &self,
        kernel: &Arc<super::Kernel>,
        pid: i32,
        id: i32,
        value: Duration,
        interval: Duration,
    ) -> Option<(Duration, Duration)> {
        if id == ITIMER_REAL_ID && !self.exists(pid, id) {
            self.insert(pid, id, crate::abi::signal::SIGALRM, 0, false);
        }
        let old = self.get(pid, id)?;
        let mut t = lock(&self.timers);
        let tm = t.get_mut(&(pid, id))?;
        let gen = tm.generation.fetch_add(1, Ordering::SeqCst) + 1;
        if value.is_zero() {
            tm.deadline = None;
            tm.interval = Duration::ZERO;
            return Some(old);
        }
        let deadline = Instant::now() + value;
        tm.deadline = Some(deadline);
        tm.interval = interval;
        let (signo, sival, silent) = (tm.signo, tm.value, tm.silent);
        let generation = tm.generation.clone();
        drop(t);
        let k: Weak<super::Kernel> = Arc::downgrade(kernel);
        let _ = std::thread::Builder::new()
            .name(format!("timer-{pid}-{id}"))
            .spawn(move || {
                let mut deadline = deadline;
                loop {
                    let now = Instant::now();
                    if deadline > now {
                        std::thread::sleep(deadline - now);
                    }
                    if generation.load(Ordering::SeqCst) != gen {
                        return;
                    }
                    let Some(kernel) = k.upgrade() else {
                        return;
                    };
                    if !silent {
                        // alarm/setitimer signals come from the kernel;
                        // POSIX timers carry their id and value.
                        let code = if id == ITIMER_REAL_ID {
                            SI_KERNEL
                        } else {
                            SI_TIMER
                        };
                        let mut info = SigInfo::new(signo, code);
                        info.0[16..20].copy_from_slice(&id.max(0).to_le_bytes());
                        info.0[24..32].copy_from_slice(&sival.to_le_bytes());
                        if kernel.procs.send(pid, signo, info).is_err() {
                            return;
                        }
                    }
                    if interval.is_zero() {
                        let mut t = lock(&kernel.timers.timers);
                        if let Some(tm) = t.get_mut(&(pid, id)) {
                            if tm.generation.load(Ordering::SeqCst) == gen {
                                tm.deadline = None;
                            }
                        }
                        return;
                    }
                    deadline += interval;
                    let mut t = lock(&kernel.timers.timers);
                    if let Some(tm) = t.get_mut(&(pid, id)) {
                        tm.deadline = Some(deadline);
                    }
                }
            });
        Some(old)
    }

    /// timer_delete.
    pub fn delete(&self, pid: i32, id: i32) -> bool {
        match lock(&self.timers).remove(&(pid, id)) {
            Some(tm) => {
                tm.generation.fetch_add(1, Ordering::SeqCst);
                true
            }
            None => false,
        }
    }

    /// Drops every timer of a process (exit, and exec for POSIX timers;
    /// the setitimer ones survive exec).
    pub fn clear(&self, pid: i32, keep_itimer: bool) {
        let mut t = lock(&self.timers);
        t.retain(|&(p, id), tm| {
            let keep = p != pid || (keep_itimer && id < 0);
            if !keep {
                tm.generation.fetch_add(1, Ordering::SeqCst);
            }
            keep
        });
    }
}

/// The thread of a CPU-time timer: counts down `left` by the CPU time the
/// process's stub uses (a new stub after exec starts its clock at zero),
/// sends `signo` when it runs out, and re-arms with `interval`.
#[allow(clippy::too_many_arguments)]
fn cpu_timer(
    k: Weak<super::Kernel>,
    pid: i32,
    id: i32,
    signo: i32,
    gen: u64,
    generation: Arc<AtomicU64>,
    mut left: Duration,
    interval: Duration,
) {
    let mut last: Option<(i32, Duration)> = None;
    loop {
        if generation.load(Ordering::SeqCst) != gen {
            return;
        }
        let Some(kernel) = k.upgrade() else {
            return;
        };
        let Some(host) = kernel.procs.info(pid).filter(|i| i.host_pid > 0) else {
            return;
        };
        let cpu = crate::syscalls::sys_time::host_process_cpu(host.host_pid);
        let used = match last {
            Some((h, c)) if h == host.host_pid => cpu.saturating_sub(c),
            _ => Duration::ZERO,
        };
        last = Some((host.host_pid, cpu));
        left = left.saturating_sub(used);
        if left.is_zero() {
            let info = SigInfo::new(signo, SI_KERNEL);
            if kernel.procs.send(pid, signo, info).is_err() {
                return;
            }
            if interval.is_zero() {
                let mut t = lock(&kernel.timers.timers);
                if let Some(tm) = t.get_mut(&(pid, id)) {
                    if tm.generation.load(Ordering::SeqCst) == gen {
                        tm.cpu_left = None;
                    }
                }
                return;
            }
            left = interval;
        }
        {
            let mut t = lock(&kernel.timers.timers);
            match t.get_mut(&(pid, id)) {
                Some(tm) if tm.generation.load(Ordering::SeqCst) == gen => {
                    tm.cpu_left = Some(left);
                }
                _ => return,
            }
        }
        // The CPU time left cannot run out faster than on every host CPU
        // at once.
        let ncpu = kernel.ncpu.max(1) as u32;
        drop(kernel);
        std::thread::sleep((left / ncpu).clamp(CPU_TICK_MIN, CPU_TICK_MAX));
    }
}
