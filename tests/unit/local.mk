# Included from Makefile.am. Unit tests: cmocka, one program per lib/ file, speaking TAP.

unit_tests = \
	tests/unit/kernel/test-block-set \
	tests/unit/model/test-capture-cpus \
	tests/unit/model/test-capture-cmdline \
	tests/unit/model/test-capture-model \
	tests/unit/engine/test-config \
	tests/unit/model/test-consistency \
	tests/unit/engine/test-control-protocol \
	tests/unit/model/test-cpu-consistency \
	tests/unit/kernel/test-cpu-set \
	tests/unit/kernel/test-cpu-uevent \
	tests/unit/engine/test-defaults \
	tests/unit/model/test-drconf-usable \
	tests/unit/kernel/test-drmgr-lock \
	tests/unit/dt/test-dt-cpu \
	tests/unit/dt/test-dt-memory \
	tests/unit/model/test-dt-overlay \
	tests/unit/dt/test-dtb \
	tests/unit/kernel/test-dump-mode \
	tests/unit/basic/test-escape \
	tests/unit/basic/test-hexdecoct \
	tests/unit/engine/test-kdump-gate \
	tests/unit/engine/test-kexec-hotplug \
	tests/unit/engine/test-kexec-record \
	tests/unit/engine/test-loaded-state \
	tests/unit/model/test-memory-limit \
	tests/unit/kernel/test-memory-uevent \
	tests/unit/model/test-pft-size \
	tests/unit/kernel/test-proc-ancestry \
	tests/unit/kernel/test-reload-watch \
	tests/unit/basic/test-set-id \
	tests/unit/engine/test-settle \
	tests/unit/basic/test-shell-words \
	tests/unit/engine/test-startup \
	tests/unit/basic/test-strv \
	tests/unit/basic/test-time-util \
	tests/unit/basic/test-trusted-file

if ENABLE_TESTS
check_PROGRAMS += $(unit_tests)
TESTS += $(unit_tests)
endif

UNIT_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(FDT_CFLAGS)
UNIT_LDADD = $(TEST_SUPPORT) $(LIBKS) $(CMOCKA_LIBS) $(FDT_LIBS)

tests_unit_kernel_test_block_set_SOURCES = tests/unit/kernel/test-block-set.c
tests_unit_kernel_test_block_set_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_kernel_test_block_set_CFLAGS = $(UNIT_CFLAGS)
tests_unit_kernel_test_block_set_LDADD = $(UNIT_LDADD)

tests_unit_model_test_capture_cpus_SOURCES = tests/unit/model/test-capture-cpus.c
tests_unit_model_test_capture_cpus_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_model_test_capture_cpus_CFLAGS = $(UNIT_CFLAGS)
tests_unit_model_test_capture_cpus_LDADD = $(UNIT_LDADD)

tests_unit_model_test_capture_cmdline_SOURCES = tests/unit/model/test-capture-cmdline.c
tests_unit_model_test_capture_cmdline_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_model_test_capture_cmdline_CFLAGS = $(UNIT_CFLAGS)
tests_unit_model_test_capture_cmdline_LDADD = $(UNIT_LDADD)

tests_unit_basic_test_shell_words_SOURCES = tests/unit/basic/test-shell-words.c
tests_unit_basic_test_shell_words_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_basic_test_shell_words_CFLAGS = $(UNIT_CFLAGS)
tests_unit_basic_test_shell_words_LDADD = $(UNIT_LDADD)
tests_unit_engine_test_kexec_record_SOURCES = tests/unit/engine/test-kexec-record.c
tests_unit_engine_test_kexec_record_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_engine_test_kexec_record_CFLAGS = $(UNIT_CFLAGS)
tests_unit_engine_test_kexec_record_LDADD = $(UNIT_LDADD)
tests_unit_basic_test_trusted_file_SOURCES = tests/unit/basic/test-trusted-file.c
tests_unit_basic_test_trusted_file_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_basic_test_trusted_file_CFLAGS = $(UNIT_CFLAGS)
tests_unit_basic_test_trusted_file_LDADD = $(UNIT_LDADD)
tests_unit_model_test_dt_overlay_SOURCES = tests/unit/model/test-dt-overlay.c
tests_unit_model_test_dt_overlay_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_model_test_dt_overlay_CFLAGS = $(UNIT_CFLAGS)
tests_unit_model_test_dt_overlay_LDADD = $(UNIT_LDADD)

tests_unit_model_test_memory_limit_SOURCES = tests/unit/model/test-memory-limit.c
tests_unit_model_test_memory_limit_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_model_test_memory_limit_CFLAGS = $(UNIT_CFLAGS)
tests_unit_model_test_memory_limit_LDADD = $(UNIT_LDADD)

tests_unit_model_test_pft_size_SOURCES = tests/unit/model/test-pft-size.c
tests_unit_model_test_pft_size_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_model_test_pft_size_CFLAGS = $(UNIT_CFLAGS)
tests_unit_model_test_pft_size_LDADD = $(UNIT_LDADD)

tests_unit_engine_test_kexec_hotplug_SOURCES = tests/unit/engine/test-kexec-hotplug.c
tests_unit_engine_test_kexec_hotplug_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_engine_test_kexec_hotplug_CFLAGS = $(UNIT_CFLAGS)
tests_unit_engine_test_kexec_hotplug_LDADD = $(UNIT_LDADD)

tests_unit_engine_test_kdump_gate_SOURCES = tests/unit/engine/test-kdump-gate.c
tests_unit_engine_test_kdump_gate_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_engine_test_kdump_gate_CFLAGS = $(UNIT_CFLAGS)
tests_unit_engine_test_kdump_gate_LDADD = $(UNIT_LDADD)

tests_unit_kernel_test_reload_watch_SOURCES = tests/unit/kernel/test-reload-watch.c
tests_unit_kernel_test_reload_watch_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_kernel_test_reload_watch_CFLAGS = $(UNIT_CFLAGS)
tests_unit_kernel_test_reload_watch_LDADD = $(UNIT_LDADD)

tests_unit_kernel_test_dump_mode_SOURCES = tests/unit/kernel/test-dump-mode.c
tests_unit_kernel_test_dump_mode_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_kernel_test_dump_mode_CFLAGS = $(UNIT_CFLAGS)
tests_unit_kernel_test_dump_mode_LDADD = $(UNIT_LDADD)

tests_unit_engine_test_startup_SOURCES = tests/unit/engine/test-startup.c
tests_unit_engine_test_startup_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_engine_test_startup_CFLAGS = $(UNIT_CFLAGS)
tests_unit_engine_test_startup_LDADD = $(UNIT_LDADD)

tests_unit_engine_test_config_SOURCES = tests/unit/engine/test-config.c
tests_unit_engine_test_config_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_engine_test_config_CFLAGS = $(UNIT_CFLAGS)
tests_unit_engine_test_config_LDADD = $(UNIT_LDADD)

tests_unit_model_test_consistency_SOURCES = tests/unit/model/test-consistency.c
tests_unit_model_test_consistency_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_model_test_consistency_CFLAGS = $(UNIT_CFLAGS)
tests_unit_model_test_consistency_LDADD = $(UNIT_LDADD)

tests_unit_engine_test_control_protocol_SOURCES = tests/unit/engine/test-control-protocol.c
tests_unit_engine_test_control_protocol_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_engine_test_control_protocol_CFLAGS = $(UNIT_CFLAGS)
tests_unit_engine_test_control_protocol_LDADD = $(UNIT_LDADD)

tests_unit_engine_test_defaults_SOURCES = tests/unit/engine/test-defaults.c
tests_unit_engine_test_defaults_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_engine_test_defaults_CFLAGS = $(UNIT_CFLAGS)
tests_unit_engine_test_defaults_LDADD = $(UNIT_LDADD)

tests_unit_model_test_drconf_usable_SOURCES = tests/unit/model/test-drconf-usable.c
tests_unit_model_test_drconf_usable_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_model_test_drconf_usable_CFLAGS = $(UNIT_CFLAGS)
tests_unit_model_test_drconf_usable_LDADD = $(UNIT_LDADD)

tests_unit_dt_test_dt_memory_SOURCES = tests/unit/dt/test-dt-memory.c
tests_unit_dt_test_dt_memory_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_dt_test_dt_memory_CFLAGS = $(UNIT_CFLAGS)
tests_unit_dt_test_dt_memory_LDADD = $(UNIT_LDADD)

tests_unit_dt_test_dtb_SOURCES = tests/unit/dt/test-dtb.c
tests_unit_dt_test_dtb_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_dt_test_dtb_CFLAGS = $(UNIT_CFLAGS)
tests_unit_dt_test_dtb_LDADD = $(UNIT_LDADD)

tests_unit_basic_test_escape_SOURCES = tests/unit/basic/test-escape.c
tests_unit_basic_test_escape_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_basic_test_escape_CFLAGS = $(UNIT_CFLAGS)
tests_unit_basic_test_escape_LDADD = $(UNIT_LDADD)

tests_unit_basic_test_hexdecoct_SOURCES = tests/unit/basic/test-hexdecoct.c
tests_unit_basic_test_hexdecoct_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_basic_test_hexdecoct_CFLAGS = $(UNIT_CFLAGS)
tests_unit_basic_test_hexdecoct_LDADD = $(UNIT_LDADD)

tests_unit_kernel_test_drmgr_lock_SOURCES = tests/unit/kernel/test-drmgr-lock.c
tests_unit_kernel_test_drmgr_lock_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_kernel_test_drmgr_lock_CFLAGS = $(UNIT_CFLAGS)
tests_unit_kernel_test_drmgr_lock_LDADD = $(UNIT_LDADD)

tests_unit_kernel_test_proc_ancestry_SOURCES = tests/unit/kernel/test-proc-ancestry.c
tests_unit_kernel_test_proc_ancestry_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_kernel_test_proc_ancestry_CFLAGS = $(UNIT_CFLAGS)
tests_unit_kernel_test_proc_ancestry_LDADD = $(UNIT_LDADD)

tests_unit_engine_test_loaded_state_SOURCES = tests/unit/engine/test-loaded-state.c
tests_unit_engine_test_loaded_state_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_engine_test_loaded_state_CFLAGS = $(UNIT_CFLAGS)
tests_unit_engine_test_loaded_state_LDADD = $(UNIT_LDADD)

tests_unit_kernel_test_memory_uevent_SOURCES = tests/unit/kernel/test-memory-uevent.c
tests_unit_kernel_test_memory_uevent_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_kernel_test_memory_uevent_CFLAGS = $(UNIT_CFLAGS)
tests_unit_kernel_test_memory_uevent_LDADD = $(UNIT_LDADD)

tests_unit_engine_test_settle_SOURCES = tests/unit/engine/test-settle.c
tests_unit_engine_test_settle_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_engine_test_settle_CFLAGS = $(UNIT_CFLAGS)
tests_unit_engine_test_settle_LDADD = $(UNIT_LDADD)

tests_unit_basic_test_strv_SOURCES = tests/unit/basic/test-strv.c
tests_unit_basic_test_strv_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_basic_test_strv_CFLAGS = $(UNIT_CFLAGS)
tests_unit_basic_test_strv_LDADD = $(UNIT_LDADD)

tests_unit_basic_test_set_id_SOURCES = tests/unit/basic/test-set-id.c
tests_unit_basic_test_set_id_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_basic_test_set_id_CFLAGS = $(UNIT_CFLAGS)
tests_unit_basic_test_set_id_LDADD = $(UNIT_LDADD)

tests_unit_basic_test_time_util_SOURCES = tests/unit/basic/test-time-util.c
tests_unit_basic_test_time_util_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_basic_test_time_util_CFLAGS = $(UNIT_CFLAGS)
tests_unit_basic_test_time_util_LDADD = $(UNIT_LDADD)
tests_unit_model_test_cpu_consistency_SOURCES = tests/unit/model/test-cpu-consistency.c
tests_unit_model_test_cpu_consistency_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_model_test_cpu_consistency_CFLAGS = $(UNIT_CFLAGS)
tests_unit_model_test_cpu_consistency_LDADD = $(UNIT_LDADD)

tests_unit_kernel_test_cpu_set_SOURCES = tests/unit/kernel/test-cpu-set.c
tests_unit_kernel_test_cpu_set_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_kernel_test_cpu_set_CFLAGS = $(UNIT_CFLAGS)
tests_unit_kernel_test_cpu_set_LDADD = $(UNIT_LDADD)

tests_unit_kernel_test_cpu_uevent_SOURCES = tests/unit/kernel/test-cpu-uevent.c
tests_unit_kernel_test_cpu_uevent_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_kernel_test_cpu_uevent_CFLAGS = $(UNIT_CFLAGS)
tests_unit_kernel_test_cpu_uevent_LDADD = $(UNIT_LDADD)

tests_unit_dt_test_dt_cpu_SOURCES = tests/unit/dt/test-dt-cpu.c
tests_unit_dt_test_dt_cpu_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_dt_test_dt_cpu_CFLAGS = $(UNIT_CFLAGS)
tests_unit_dt_test_dt_cpu_LDADD = $(UNIT_LDADD)

tests_unit_model_test_capture_model_SOURCES = tests/unit/model/test-capture-model.c
tests_unit_model_test_capture_model_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_model_test_capture_model_CFLAGS = $(UNIT_CFLAGS)
tests_unit_model_test_capture_model_LDADD = $(UNIT_LDADD)

# test-defaults reads the --help of both programs.
EXTRA_tests_unit_engine_test_defaults_DEPENDENCIES = daemon/kdump-settled$(EXEEXT) daemon/kdump-settlectl$(EXEEXT)
