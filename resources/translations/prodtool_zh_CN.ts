<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>CountersPanel</name>
    <message>
        <source>No licenses left: load the next package.</source>
        <translation>授权已用完：请加载下一个授权包。</translation>
    </message>
    <message numerus="yes">
        <source>Only %n license(s) left: get the next package ready.</source>
        <translation>
            <numerusform>仅剩 %n 个授权：请准备好下一个授权包。</numerusform>
        </translation>
    </message>
    <message>
        <source>Passed</source>
        <translation>通过</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>Yield</source>
        <translation>良率</translation>
    </message>
    <message>
        <source>Per hour</source>
        <translation>每小时</translation>
    </message>
    <message>
        <source>Licenses left</source>
        <translation>剩余授权</translation>
    </message>
</context>
<context>
    <name>EmptySlot</name>
    <message>
        <source>Slot %1
no adapter</source>
        <translation>槽位 %1
无适配器</translation>
    </message>
</context>
<context>
    <name>Family</name>
    <message>
        <source>connecting (hold BOOT, tap EN)</source>
        <translation>正在连接（按住 BOOT，点按 EN）</translation>
    </message>
    <message>
        <source>check the cable; a board without auto-reset needs BOOT held while EN is tapped</source>
        <translation>请检查数据线；没有自动复位电路的板子需要按住 BOOT 的同时点按 EN</translation>
    </message>
    <message>
        <source>check that this is the application UART (U0) and the firmware has the production shell</source>
        <translation>请确认这是应用串口（U0），且固件带有生产命令行</translation>
    </message>
    <message>
        <source>linking (reset module / CEN)</source>
        <translation>正在握手（请复位模组 / CEN）</translation>
    </message>
    <message>
        <source>wire RTS to CEN (or bridge CEN to GND briefly), check TX/RX and 3.3 V</source>
        <translation>请将 RTS 接到 CEN（或将 CEN 短暂接地），并检查 TX/RX 和 3.3 V 供电</translation>
    </message>
    <message>
        <source>lower the baud rate (some adapters fail above 1,000,000) or check the 3.3 V supply</source>
        <translation>请降低波特率（部分适配器在 1,000,000 以上会出错），或检查 3.3 V 供电</translation>
    </message>
    <message>
        <source>the flash stayed write-protected or its ID is not in prodtool&apos;s table: set the module aside and report the flash ID from the log</source>
        <translation>Flash 仍处于写保护状态，或其 ID 不在 prodtool 的列表中：请将模组放到一边，并上报日志中的 Flash ID</translation>
    </message>
    <message>
        <source>check the package&apos;s chip: T2/CB2S/CB3S = BK7231N, WB2S/WB3S = BK7231T</source>
        <translation>请检查授权包的芯片：T2/CB2S/CB3S = BK7231N，WB2S/WB3S = BK7231T</translation>
    </message>
    <message>
        <source>retry once; a second CRC mismatch means a weak flash or supply</source>
        <translation>请重试一次；若再次 CRC 不符，说明 Flash 或供电不良</translation>
    </message>
</context>
<context>
    <name>FleetPanel</name>
    <message>
        <source>Station</source>
        <translation>工位</translation>
    </message>
    <message>
        <source>Online</source>
        <translation>在线</translation>
    </message>
    <message>
        <source>Devices / hour</source>
        <translation>每小时设备数</translation>
    </message>
    <message>
        <source>{pool}: {left} licenses left</source>
        <translation>{pool}：剩余 {left} 个授权</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>no</source>
        <translation>否</translation>
    </message>
    <message>
        <source>License pool…</source>
        <translation>授权池…</translation>
    </message>
    <message>
        <source>Fleet</source>
        <translation>产线工位</translation>
    </message>
</context>
<context>
    <name>KeyConfirmDialog</name>
    <message>
        <source>Compare the fingerprint</source>
        <translation>核对指纹</translation>
    </message>
    <message>
        <source>%1 holds issuer key %2. Compare its fingerprint below with the one the issuer gave you by another way (phone, paper, the platform&apos;s page). Trust it only if every group matches: packages it signs will then be accepted here.</source>
        <translation>%1 中是签发方密钥 %2。请将下面的指纹与签发方通过其他途径（电话、纸面、平台页面）提供给您的指纹逐组核对。只有每一组都一致时才信任它：之后本工位将接受由它签名的授权包。</translation>
    </message>
    <message>
        <source>It matches: trust this key</source>
        <translation>一致：信任此密钥</translation>
    </message>
</context>
<context>
    <name>LabelDialog</name>
    <message>
        <source>Label preview and reprint</source>
        <translation>标签预览与补打</translation>
    </message>
    <message>
        <source>job id, as in the write log</source>
        <translation>任务编号（与烧录日志中一致）</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>显示</translation>
    </message>
    <message>
        <source>Reprint… (supervisor)</source>
        <translation>补打…（主管）</translation>
    </message>
    <message>
        <source>Job:</source>
        <translation>任务：</translation>
    </message>
    <message>
        <source>UUID %1 · serial %2 · code %3</source>
        <translation>UUID %1 · 序列号 %2 · 条码 %3</translation>
    </message>
    <message>
        <source>Reprinting a label</source>
        <translation>补打标签</translation>
    </message>
    <message>
        <source>Not reprinted: the supervisor PIN is needed.</source>
        <translation>未补打：需要主管 PIN 码。</translation>
    </message>
    <message>
        <source>Reprinted: %1</source>
        <translation>已补打：%1</translation>
    </message>
</context>
<context>
    <name>LedgerPanel</name>
    <message>
        <source>available</source>
        <translation>可用</translation>
    </message>
    <message>
        <source>reserved</source>
        <translation>已预留</translation>
    </message>
    <message>
        <source>written</source>
        <translation>已写入</translation>
    </message>
    <message>
        <source>verified</source>
        <translation>已验证</translation>
    </message>
    <message>
        <source>needs a check</source>
        <translation>待核查</translation>
    </message>
    <message>
        <source>quarantined</source>
        <translation>已隔离</translation>
    </message>
    <message>
        <source>Plug in the chip %1, choose its port and press “Read the chip back”: the ledger then records whether the chip holds this license.</source>
        <translation>请插上芯片 %1，选择它所在的端口，然后点击“回读芯片”：账本会记录该芯片是否持有此授权。</translation>
    </message>
    <message>
        <source>No chip is known for this license. If you know no chip holds it, press “On no chip” to make it available again; otherwise read each suspect chip back.</source>
        <translation>此授权没有关联的芯片。如果确认没有芯片持有它，请点击“不在任何芯片上”使其重新可用；否则请逐一回读可疑的芯片。</translation>
    </message>
    <message>
        <source>Check the chip %1. “Release” puts the license back as needing a check; then read the chip back to settle it.</source>
        <translation>请检查芯片 %1。“解除隔离”会将此授权恢复为待核查；然后回读该芯片以确定其状态。</translation>
    </message>
    <message>
        <source>No chip holds this license. “Release” makes it available again.</source>
        <translation>没有芯片持有此授权。“解除隔离”会使其重新可用。</translation>
    </message>
    <message>
        <source>%1: found on chip %2, verified.</source>
        <translation>%1：在芯片 %2 上找到，已验证。</translation>
    </message>
    <message>
        <source>%1: not on chip %2, available again.</source>
        <translation>%1：不在芯片 %2 上，已重新可用。</translation>
    </message>
    <message>
        <source>The chip on %1 could not be read: check the cable and boot mode.</source>
        <translation>无法读取 %1 上的芯片：请检查线缆和启动模式。</translation>
    </message>
    <message>
        <source>%1 was left as it is: %2</source>
        <translation>%1 保持不变：%2</translation>
    </message>
    <message>
        <source>Licenses that need a decision</source>
        <translation>需要处理的授权</translation>
    </message>
    <message>
        <source>License</source>
        <translation>授权</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Why</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Chip MAC</source>
        <translation>芯片 MAC</translation>
    </message>
    <message>
        <source>When</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Where</source>
        <translation>位置</translation>
    </message>
    <message>
        <source>Port with the chip:</source>
        <translation>芯片所在端口：</translation>
    </message>
    <message>
        <source>Read the chip back</source>
        <translation>回读芯片</translation>
    </message>
    <message>
        <source>Reads the license from the chip (nothing is written) and settles it.</source>
        <translation>从芯片读取授权（不写入任何内容）并据此确定其状态。</translation>
    </message>
    <message>
        <source>On no chip</source>
        <translation>不在任何芯片上</translation>
    </message>
    <message>
        <source>No chip holds this license: make it available again.</source>
        <translation>没有芯片持有此授权：使其重新可用。</translation>
    </message>
    <message>
        <source>Release</source>
        <translation>解除隔离</translation>
    </message>
    <message>
        <source>Quarantine…</source>
        <translation>隔离…</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <source>%1 need a check, %2 quarantined</source>
        <translation>%1 个待核查，%2 个已隔离</translation>
    </message>
    <message>
        <source>Nothing to decide: no license needs a check or is quarantined.</source>
        <translation>无需处理：没有待核查或已隔离的授权。</translation>
    </message>
    <message>
        <source>Select a license.</source>
        <translation>请选择一个授权。</translation>
    </message>
    <message>
        <source>Nothing was changed.</source>
        <translation>未做任何更改。</translation>
    </message>
    <message>
        <source>Not done: %1</source>
        <translation>未完成：%1</translation>
    </message>
    <message>
        <source>Releasing a quarantined license</source>
        <translation>解除授权隔离</translation>
    </message>
    <message>
        <source>%1 released; it is now: %2.</source>
        <translation>%1 已解除隔离；当前状态：%2。</translation>
    </message>
    <message>
        <source>Settling a license</source>
        <translation>确定授权状态</translation>
    </message>
    <message>
        <source>%1 settled; it is now: %2.</source>
        <translation>%1 已确定；当前状态：%2。</translation>
    </message>
    <message>
        <source>The chip on %1 decides no license that needs a check.</source>
        <translation>%1 上的芯片与任何待核查的授权都无关。</translation>
    </message>
    <message>
        <source>Quarantine</source>
        <translation>隔离</translation>
    </message>
    <message>
        <source>Why is this license taken out of use?</source>
        <translation>为什么要停用此授权？</translation>
    </message>
    <message>
        <source>Quarantining a license</source>
        <translation>隔离授权</translation>
    </message>
    <message>
        <source>%1 quarantined.</source>
        <translation>%1 已隔离。</translation>
    </message>
</context>
<context>
    <name>LineMenu</name>
    <message>
        <source>Label preview and reprint…</source>
        <translation>标签预览与补打…</translation>
    </message>
    <message>
        <source>Operators…</source>
        <translation>操作员…</translation>
    </message>
    <message>
        <source>Export the shift report…</source>
        <translation>导出班次报告…</translation>
    </message>
    <message>
        <source>Close the batch (signed archive)…</source>
        <translation>结批（签名归档）…</translation>
    </message>
    <message>
        <source>Signed in: %1.</source>
        <translation>已登录：%1。</translation>
    </message>
    <message>
        <source>Changing the operators</source>
        <translation>修改操作员</translation>
    </message>
    <message>
        <source>The operators were not changed.</source>
        <translation>操作员未修改。</translation>
    </message>
    <message>
        <source>Export the shift report</source>
        <translation>导出班次报告</translation>
    </message>
    <message>
        <source>PDF (*.pdf);;CSV (*.csv)</source>
        <translation>PDF (*.pdf);;CSV (*.csv)</translation>
    </message>
    <message>
        <source>Shift report of %1 chip(s) saved to %2.</source>
        <translation>已将 %1 颗芯片的班次报告保存到 %2。</translation>
    </message>
    <message>
        <source>Close the batch</source>
        <translation>结批</translation>
    </message>
    <message>
        <source>Batch archive (*.zip)</source>
        <translation>批次归档 (*.zip)</translation>
    </message>
    <message>
        <source>Batch closed: %1 job(s), %2 chip(s) passed, signed archive %3.</source>
        <translation>已结批：%1 个作业，%2 个芯片通过，签名归档 %3。</translation>
    </message>
</context>
<context>
    <name>LogPanel</name>
    <message>
        <source>WARNING</source>
        <translation>警告</translation>
    </message>
    <message>
        <source>ERROR</source>
        <translation>错误</translation>
    </message>
    <message>
        <source>Show port:</source>
        <translation>显示端口：</translation>
    </message>
    <message>
        <source>All ports</source>
        <translation>全部端口</translation>
    </message>
</context>
<context>
    <name>LogWords</name>
    <message>
        <source>{reason}; retrying at {baud} baud</source>
        <translation>{reason}；以 {baud} 波特率重试</translation>
    </message>
    <message>
        <source>license {uuid} reserved</source>
        <translation>已预留授权 {uuid}</translation>
    </message>
    <message>
        <source>license {uuid} reused (already bound to this chip)</source>
        <translation>重用授权 {uuid}（已绑定到这颗芯片）</translation>
    </message>
    <message>
        <source>the ledger knows this chip: license {uuid} of {package}</source>
        <translation>账本认识这颗芯片：授权包 {package} 的授权 {uuid}</translation>
    </message>
    <message>
        <source>supervisor {supervisor} chose to overwrite this finished device (order {order}, uuid {uuid}): that license is quarantined</source>
        <translation>主管 {supervisor} 选择覆盖这台已完成的设备（订单 {order}，UUID {uuid}）：该授权已被隔离</translation>
    </message>
    <message>
        <source>the chip holds license {uuid} with a damaged key: rewriting</source>
        <translation>芯片持有授权 {uuid}，但其密钥已损坏：正在重写</translation>
    </message>
    <message>
        <source>the chip already holds license {uuid}</source>
        <translation>芯片已持有授权 {uuid}</translation>
    </message>
    <message>
        <source>supervisor {supervisor} chose to overwrite this finished device (license {uuid}, from another station or order)</source>
        <translation>主管 {supervisor} 选择覆盖这台已完成的设备（授权 {uuid}，来自其他工位或订单）</translation>
    </message>
    <message>
        <source>the ledger refused: {refused}</source>
        <translation>账本拒绝：{refused}</translation>
    </message>
    <message>
        <source>opening {port} at {baud} baud</source>
        <translation>以 {baud} 波特率打开 {port}</translation>
    </message>
    <message>
        <source>reading the chip&apos;s identity</source>
        <translation>正在读取芯片身份</translation>
    </message>
    <message>
        <source>choosing the license</source>
        <translation>正在选择授权</translation>
    </message>
    <message>
        <source>writing {kib} KiB at {offset}</source>
        <translation>正在 {offset} 处写入 {kib} KiB</translation>
    </message>
    <message>
        <source>firmware already present, skipped</source>
        <translation>固件已存在，跳过写入</translation>
    </message>
    <message>
        <source>firmware already present, skipped: {image} at {offset} ({kib} KiB, same digest)</source>
        <translation>固件已存在，跳过写入：{image} 位于 {offset}（{kib} KiB，摘要相同）</translation>
    </message>
    <message>
        <source>comparing the flash&apos;s MD5</source>
        <translation>正在比对闪存的 MD5</translation>
    </message>
    <message>
        <source>writing the license partition at {offset}</source>
        <translation>正在 {offset} 处写入授权分区</translation>
    </message>
    <message>
        <source>comparing the license partition&apos;s MD5</source>
        <translation>正在比对授权分区的 MD5</translation>
    </message>
    <message>
        <source>starting the firmware&apos;s shell</source>
        <translation>正在启动固件的命令行</translation>
    </message>
    <message>
        <source>the chip already holds this license</source>
        <translation>芯片已持有此授权</translation>
    </message>
    <message>
        <source>reading the license back</source>
        <translation>正在回读授权</translation>
    </message>
    <message>
        <source>license verified</source>
        <translation>授权已验证</translation>
    </message>
</context>
<context>
    <name>Messages</name>
    <message>
        <source>available</source>
        <translation>可用</translation>
    </message>
    <message>
        <source>reserved</source>
        <translation>已预留</translation>
    </message>
    <message>
        <source>written</source>
        <translation>已写入</translation>
    </message>
    <message>
        <source>verified</source>
        <translation>已验证</translation>
    </message>
    <message>
        <source>needs a check</source>
        <translation>待核查</translation>
    </message>
    <message>
        <source>quarantined</source>
        <translation>已隔离</translation>
    </message>
    <message>
        <source>Wrong download password. It is on the order&apos;s download page; type it again.</source>
        <translation>下载密码错误。密码在订单的下载页面上，请重新输入。</translation>
    </message>
    <message>
        <source>This package comes from an issuer this station does not trust yet. A supervisor adds the issuer&apos;s key in Supervisor &gt; Trusted issuer keys…, after comparing its fingerprint.</source>
        <translation>此授权包来自本工位尚未信任的签发方。请主管在“主管 &gt; 受信任的签发方密钥…”中核对指纹后添加该签发方的密钥。</translation>
    </message>
    <message>
        <source>The package was changed after it was signed. Do not use it: download it again.</source>
        <translation>授权包在签名后被改动过。请勿使用，请重新下载。</translation>
    </message>
    <message>
        <source>This file is not a credential package this version of prodtool can read.</source>
        <translation>此文件不是本版本 prodtool 能读取的授权包。</translation>
    </message>
    <message>
        <source>The package&apos;s firmware does not match its manifest: the issuer built a broken package; ask for a new one.</source>
        <translation>授权包中的固件与其清单不符：签发方生成的授权包有误，请索取新的授权包。</translation>
    </message>
    <message>
        <source>The package {name} cannot be read from the disk.</source>
        <translation>无法从磁盘读取授权包 {name}。</translation>
    </message>
    <message>
        <source>A different package with the same id {package} was loaded here before: ask the issuer.</source>
        <translation>本工位之前加载过另一个 ID 同为 {package} 但内容不同的授权包：请联系签发方。</translation>
    </message>
    <message>
        <source>The package was refused.</source>
        <translation>授权包被拒绝。</translation>
    </message>
    <message>
        <source>The License List was refused; nothing was imported.</source>
        <translation>授权清单被拒绝；未导入任何内容。</translation>
    </message>
    <message>
        <source>The ledger refused this; nothing was changed.</source>
        <translation>账本拒绝了此操作；没有做任何更改。</translation>
    </message>
    <message>
        <source>This file holds no issuer public key prodtool can use.</source>
        <translation>此文件中没有 prodtool 可用的签发方公钥。</translation>
    </message>
    <message>
        <source>This package is in the license pool this station is set up for: it is used from there, not loaded into the station&apos;s own ledger as well.</source>
        <translation>此授权包在本工位所用的授权池中：它从授权池中使用，不会再加载到本工位自己的账本中。</translation>
    </message>
    <message>
        <source>That package is not in this station&apos;s ledger.</source>
        <translation>该授权包不在本工位的账本中。</translation>
    </message>
    <message>
        <source>That license is not in this station&apos;s ledger.</source>
        <translation>该授权不在本工位的账本中。</translation>
    </message>
    <message>
        <source>No license is left in the loaded package: load the next one.</source>
        <translation>已加载的授权包中没有剩余授权：请加载下一个。</translation>
    </message>
    <message>
        <source>The disk refused to save (full, read-only or locked). Nothing was lost; free some space or call a supervisor.</source>
        <translation>磁盘拒绝保存（已满、只读或被锁定）。没有丢失任何数据；请释放一些空间或联系主管。</translation>
    </message>
    <message>
        <source>License {uuid} is not in this station&apos;s ledger.</source>
        <translation>授权 {uuid} 不在本工位的账本中。</translation>
    </message>
    <message>
        <source>Issuer key {kid} is built in or unknown: it cannot be removed.</source>
        <translation>签发方密钥 {kid} 是内置的或未知的：无法移除。</translation>
    </message>
    <message>
        <source>License {uuid} is {state} now, not in the state this needs (someone changed it meanwhile): refresh and look again.</source>
        <translation>授权 {uuid} 现在是“{state}”，不处于此操作所需的状态（其间有人修改过）：请刷新后再查看。</translation>
    </message>
    <message>
        <source>License {uuid} is quarantined already.</source>
        <translation>授权 {uuid} 已被隔离。</translation>
    </message>
    <message>
        <source>License {uuid} is not quarantined (it is {state}): there is nothing to release.</source>
        <translation>授权 {uuid} 未被隔离（当前为“{state}”）：无需解除隔离。</translation>
    </message>
    <message>
        <source>License {uuid} belongs to job {job}, which is still running: wait for it to end.</source>
        <translation>授权 {uuid} 属于仍在运行的任务 {job}：请等待该任务结束。</translation>
    </message>
    <message>
        <source>License {uuid} cannot be released: its AuthKey was sent to the chip. Mark it as needing a check instead, and read the chip back.</source>
        <translation>无法释放授权 {uuid}：它的 AuthKey 已发送到芯片。请改为将其标记为待核查，并回读芯片。</translation>
    </message>
    <message>
        <source>Chip {chip} is bound to license {other} already: quarantine one of them and call support.</source>
        <translation>芯片 {chip} 已绑定到授权 {other}：请隔离其中一个并联系技术支持。</translation>
    </message>
    <message>
        <source>License {uuid} of chip {chip} is quarantined: a supervisor decides about it in Supervisor &gt; Licenses to check…; the chip gets no other license.</source>
        <translation>芯片 {chip} 的授权 {uuid} 已被隔离：请主管在“主管 &gt; 待核查的授权…”中处理；该芯片不会获得其他授权。</translation>
    </message>
    <message>
        <source>Chip {chip} is being written on port {port} already: wait for that job to finish.</source>
        <translation>芯片 {chip} 正在端口 {port} 上写入：请等待该任务完成。</translation>
    </message>
    <message>
        <source>{mac} is not a MAC address.</source>
        <translation>{mac} 不是 MAC 地址。</translation>
    </message>
    <message>
        <source>The ledger holds no package to check against: load the package on this station first.</source>
        <translation>账本中没有可用于核对的授权包：请先在本工位加载授权包。</translation>
    </message>
    <message>
        <source>The ledger holds several packages: choose the one to check against.</source>
        <translation>账本中有多个授权包：请选择要核对的那一个。</translation>
    </message>
    <message>
        <source>The slot numbers could not be used.</source>
        <translation>无法使用槽位编号。</translation>
    </message>
    <message>
        <source>The write log could not be exported: do not upload it; call a supervisor.</source>
        <translation>无法导出写入日志：请勿上传，并联系主管。</translation>
    </message>
    <message>
        <source>Nothing was written since the last export: there is nothing new to upload.</source>
        <translation>自上次导出以来没有写入新记录：没有需要上传的新内容。</translation>
    </message>
    <message>
        <source>The write log no longer holds the record the last export ended with: export the whole log instead, and call a supervisor.</source>
        <translation>烧录记录中已找不到上次导出结束时的那条记录：请改为导出完整记录，并联系主管。</translation>
    </message>
    <message>
        <source>Where the last export ended is not known (its note in the station folder is damaged): export the whole log instead, and call a supervisor.</source>
        <translation>无法得知上次导出结束的位置（工位文件夹中的记录已损坏）：请改为导出完整记录，并联系主管。</translation>
    </message>
    <message>
        <source>{name}: give a file name ending in .csv or .json.</source>
        <translation>{name}：请使用以 .csv 或 .json 结尾的文件名。</translation>
    </message>
    <message>
        <source>The write log ends in an incomplete record (the disk was full). Free disk space and start the station again: it repairs the log before exporting.</source>
        <translation>烧录记录以一条不完整的记录结尾（磁盘曾经已满）。请释放磁盘空间并重新启动工位：工位会在导出前修复记录。</translation>
    </message>
    <message>
        <source>The station&apos;s write log is damaged at record {record}: do not upload it; call a supervisor.</source>
        <translation>本工位的烧录记录在第 {record} 条记录处已损坏：请勿上传，并联系主管。</translation>
    </message>
    <message>
        <source>{name} cannot be read.</source>
        <translation>无法读取 {name}。</translation>
    </message>
    <message>
        <source>This file is not a write-log export of prodtool.</source>
        <translation>此文件不是 prodtool 导出的烧录记录。</translation>
    </message>
    <message>
        <source>Line {line} of the export does not match its header: it was changed.</source>
        <translation>导出文件第 {line} 行与表头不符：文件已被改动。</translation>
    </message>
</context>
<context>
    <name>OperatorsDialog</name>
    <message>
        <source>Operators</source>
        <translation>操作员</translation>
    </message>
    <message>
        <source>Name:</source>
        <translation>姓名：</translation>
    </message>
    <message>
        <source>Badge (scan it):</source>
        <translation>工牌（请扫描）：</translation>
    </message>
    <message>
        <source>PIN:</source>
        <translation>PIN 码：</translation>
    </message>
    <message>
        <source>Add or replace</source>
        <translation>添加或替换</translation>
    </message>
    <message>
        <source>Remove the selected one</source>
        <translation>删除所选操作员</translation>
    </message>
    <message>
        <source>%1 can sign in now.</source>
        <translation>%1 现在可以登录了。</translation>
    </message>
    <message>
        <source>%1 was removed.</source>
        <translation>%1 已删除。</translation>
    </message>
</context>
<context>
    <name>PackageLoader</name>
    <message>
        <source>Chips are being written: load %1 when they are done.</source>
        <translation>正在写入芯片：请等写入完成后再加载 %1。</translation>
    </message>
    <message>
        <source>%1 was not loaded.</source>
        <translation>未加载 %1。</translation>
    </message>
    <message>
        <source>Loading a License List</source>
        <translation>加载授权清单</translation>
    </message>
    <message>
        <source>The License List was not loaded.</source>
        <translation>未加载授权清单。</translation>
    </message>
    <message>
        <source>Opening %1…</source>
        <translation>正在打开 %1…</translation>
    </message>
    <message>
        <source>Switch packages</source>
        <translation>切换授权包</translation>
    </message>
    <message>
        <source>The loaded package %1 still has %2 license(s) left. They stay in this station&apos;s ledger and are used again when you load it later. Load %3 instead?</source>
        <translation>已加载的授权包 %1 还剩 %2 个授权。它们会保留在本工位的账本中，以后再次加载该授权包时会继续使用。要改为加载 %3 吗？</translation>
    </message>
</context>
<context>
    <name>PackagePanel</name>
    <message>
        <source>Load package…</source>
        <translation>加载授权包…</translation>
    </message>
    <message>
        <source>Load another package…</source>
        <translation>加载其他授权包…</translation>
    </message>
    <message>
        <source>No package loaded</source>
        <translation>未加载授权包</translation>
    </message>
    <message>
        <source>Load the credential package (or License List) for this order: click the button below or drop the file here.</source>
        <translation>请加载本订单的授权包（或授权清单）：点击下方按钮，或将文件拖放到这里。</translation>
    </message>
    <message>
        <source>DEMO PACKAGE: its licenses do not work in the cloud. Do not ship these modules.</source>
        <translation>演示授权包：其授权在云端无效。这些模组不得出货。</translation>
    </message>
    <message>
        <source>paid</source>
        <translation>付费</translation>
    </message>
    <message>
        <source>free</source>
        <translation>免费</translation>
    </message>
    <message>
        <source>required</source>
        <translation>必选</translation>
    </message>
    <message>
        <source>optional</source>
        <translation>可选</translation>
    </message>
    <message>
        <source>none in this package</source>
        <translation>本授权包不含固件</translation>
    </message>
    <message>
        <source>License List</source>
        <translation>授权清单</translation>
    </message>
    <message>
        <source>Credential package</source>
        <translation>授权包</translation>
    </message>
    <message>
        <source>File:</source>
        <translation>文件：</translation>
    </message>
    <message>
        <source>Order number:</source>
        <translation>订单号：</translation>
    </message>
    <message>
        <source>Pickup list:</source>
        <translation>提货单号：</translation>
    </message>
    <message>
        <source>Product:</source>
        <translation>产品：</translation>
    </message>
    <message>
        <source>Category:</source>
        <translation>品类：</translation>
    </message>
    <message>
        <source>Communication:</source>
        <translation>通信方式：</translation>
    </message>
    <message>
        <source>Delivery mode:</source>
        <translation>交付方式：</translation>
    </message>
    <message>
        <source>Chip:</source>
        <translation>芯片：</translation>
    </message>
    <message>
        <source>Firmware:</source>
        <translation>固件：</translation>
    </message>
    <message>
        <source>Minimum firmware:</source>
        <translation>最低固件版本：</translation>
    </message>
    <message>
        <source>Features:</source>
        <translation>高级功能：</translation>
    </message>
    <message>
        <source>Firmware and license</source>
        <translation>固件与授权</translation>
    </message>
    <message>
        <source>Authorization only</source>
        <translation>仅授权</translation>
    </message>
    <message>
        <source>Authorization Only: this package writes no firmware. The modules must already run the product&apos;s firmware; only the license is written.</source>
        <translation>仅授权：此授权包不烧录固件。模组必须已运行本产品的固件，只写入授权。</translation>
    </message>
    <message>
        <source>License List: it carries no firmware and no firmware check. The station cannot tell whether the firmware on a module is the right one.</source>
        <translation>授权清单：不含固件，也不含固件校验。工位无法判断模组上的固件是否正确。</translation>
    </message>
    <message>
        <source>Modules with firmware older than %1 are refused.</source>
        <translation>固件版本低于 %1 的模组将被拒绝。</translation>
    </message>
    <message>
        <source>Licenses left: %1 of %2</source>
        <translation>剩余授权：%1 / %2</translation>
    </message>
    <message>
        <source>None left: load the next package.</source>
        <translation>已用完：请加载下一个授权包。</translation>
    </message>
    <message>
        <source>Running out: get the next package ready.</source>
        <translation>即将用完：请准备好下一个授权包。</translation>
    </message>
</context>
<context>
    <name>PasswordDialog</name>
    <message>
        <source>Download password</source>
        <translation>下载密码</translation>
    </message>
    <message>
        <source>Type the download password of %1. It is on the order&apos;s download page.</source>
        <translation>请输入 %1 的下载密码。密码在订单的下载页面上。</translation>
    </message>
    <message>
        <source>Password:</source>
        <translation>密码：</translation>
    </message>
</context>
<context>
    <name>PinCheckDialog</name>
    <message>
        <source>Supervisor PIN</source>
        <translation>主管 PIN 码</translation>
    </message>
    <message>
        <source>%1 needs a supervisor. Type the supervisor PIN.</source>
        <translation>%1需要主管权限。请输入主管 PIN 码。</translation>
    </message>
    <message>
        <source>PIN:</source>
        <translation>PIN 码：</translation>
    </message>
</context>
<context>
    <name>PinDialog</name>
    <message>
        <source>Too many wrong PINs. The next try is possible in %1 s.</source>
        <translation>PIN 码 错误次数过多。%1 秒后才能再次尝试。</translation>
    </message>
    <message>
        <source>You may try again.</source>
        <translation>现在可以再试一次。</translation>
    </message>
    <message>
        <source>Wrong PIN. The next try is possible in %1 s.</source>
        <translation>PIN 码 错误。%1 秒后才能再次尝试。</translation>
    </message>
    <message>
        <source>Wrong PIN.</source>
        <translation>PIN 码 错误。</translation>
    </message>
    <message>
        <source>The two new PINs differ.</source>
        <translation>两次输入的新 PIN 码 不一致。</translation>
    </message>
    <message>
        <source>No supervisor PIN is set yet.</source>
        <translation>尚未设置主管 PIN 码。</translation>
    </message>
    <message>
        <source>The PIN could not be checked.</source>
        <translation>无法校验 PIN 码。</translation>
    </message>
    <message>
        <source>The PIN needs at least %1 characters.</source>
        <translation>PIN 码至少需要 %1 位。</translation>
    </message>
</context>
<context>
    <name>PinSetDialog</name>
    <message>
        <source>Change the supervisor PIN</source>
        <translation>修改主管 PIN 码</translation>
    </message>
    <message>
        <source>Type the current PIN, then the new one twice (at least %1 characters).</source>
        <translation>请输入当前 PIN 码，再输入两次新 PIN 码（至少 %1 个字符）。</translation>
    </message>
    <message>
        <source>Set the supervisor PIN</source>
        <translation>设置主管 PIN 码</translation>
    </message>
    <message>
        <source>This station has no supervisor PIN yet. Whoever installs the station sets it now (at least %1 characters); settings, issuer keys, License Lists and quarantined licenses will need it. It is stored only as a hash.</source>
        <translation>本工位尚未设置主管 PIN 码。请由安装工位的人现在设置（至少 %1 个字符）；修改设置、信任签发方密钥、加载授权清单以及处理隔离授权都需要它。PIN 码 只以哈希形式保存。</translation>
    </message>
    <message>
        <source>Current PIN:</source>
        <translation>当前 PIN 码：</translation>
    </message>
    <message>
        <source>New PIN:</source>
        <translation>新 PIN 码：</translation>
    </message>
    <message>
        <source>New PIN again:</source>
        <translation>再次输入新 PIN 码：</translation>
    </message>
</context>
<context>
    <name>PoolSettingsDialog</name>
    <message>
        <source>License pool</source>
        <translation>授权池</translation>
    </message>
    <message>
        <source>(unchanged)</source>
        <translation>（不变）</translation>
    </message>
    <message>
        <source>(none)</source>
        <translation>（无）</translation>
    </message>
    <message>
        <source>Twice the station&apos;s ports</source>
        <translation>工位端口数的两倍</translation>
    </message>
    <message>
        <source>None</source>
        <translation>不预留</translation>
    </message>
    <message>
        <source>This many:</source>
        <translation>指定数量：</translation>
    </message>
    <message>
        <source>Licenses this station reserves in the pool ahead of need, so the line keeps going through a short network outage; their moves are sent to the pool when it answers again. By default twice the station&apos;s ports (at least 16). None: the line stops as soon as the pool does not answer. Used when the station starts again.</source>
        <translation>本工位预先在授权池中预留的授权，使产线在短暂断网时仍能继续生产；授权池恢复响应后，这些授权的变动会补交给授权池。默认为本工位端口数的两倍（至少 16 个）。不预留：授权池一旦无响应，产线即停止。工位下次启动时生效。</translation>
    </message>
    <message>
        <source>Empty address: this station&apos;s own ledger. A new address is used when the station starts again.</source>
        <translation>地址为空：使用本工位自己的台账。新地址在工位重新启动后生效。</translation>
    </message>
    <message>
        <source>Server address</source>
        <translation>服务器地址</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <source>Held ahead for an outage</source>
        <translation>断网时备用的授权</translation>
    </message>
    <message>
        <source>The address must start with postgresql://</source>
        <translation>地址必须以 postgresql:// 开头</translation>
    </message>
    <message>
        <source>Put the password in its own field, not in the address.</source>
        <translation>请把密码填在密码栏，不要写在地址里。</translation>
    </message>
    <message>
        <source>Changing the license pool</source>
        <translation>修改授权池</translation>
    </message>
    <message>
        <source>Wrong PIN: the pool was not changed.</source>
        <translation>PIN 错误：授权池未修改。</translation>
    </message>
    <message>
        <source>License pool saved: it is used when the station starts again.</source>
        <translation>授权池已保存：工位重新启动后生效。</translation>
    </message>
</context>
<context>
    <name>PortGrid</name>
    <message>
        <source>No USB adapters yet.
Plug one in: its tile appears here.</source>
        <translation>尚未连接 USB 转串口适配器。
插入一个后，它的端口卡片会显示在这里。</translation>
    </message>
</context>
<context>
    <name>PortTile</name>
    <message>
        <source>MAC: %1</source>
        <translation>MAC：%1</translation>
    </message>
    <message>
        <source>UUID: %1</source>
        <translation>UUID：%1</translation>
    </message>
    <message>
        <source>Put in the next module</source>
        <translation>放入下一个模块</translation>
    </message>
    <message>
        <source>Scan this unit&apos;s code</source>
        <translation>请扫描本产品的条码</translation>
    </message>
    <message>
        <source>Stopped mid-write: the module is half-written</source>
        <translation>写入中途停止：模块只写了一半</translation>
    </message>
    <message>
        <source>Retry to write it in full</source>
        <translation>请重试以完整写入</translation>
    </message>
    <message>
        <source>Stopped before anything was written</source>
        <translation>在写入任何内容之前已停止</translation>
    </message>
    <message>
        <source>(found %1)</source>
        <translation>（检测到 %1）</translation>
    </message>
    <message>
        <source>Code: %1</source>
        <translation>条码：%1</translation>
    </message>
    <message>
        <source>Holds: %1</source>
        <translation>已有授权：%1</translation>
    </message>
    <message>
        <source>Bundle…</source>
        <translation>诊断包…</translation>
    </message>
    <message>
        <source>Save a support bundle of the last failure</source>
        <translation>保存上一次失败的诊断包</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <source>Retry</source>
        <translation>重试</translation>
    </message>
    <message>
        <source>Next</source>
        <translation>下一个</translation>
    </message>
    <message>
        <source>Start</source>
        <translation>开始</translation>
    </message>
</context>
<context>
    <name>QFileDialog</name>
    <message>
        <source>&amp;Look in:</source>
        <translation>查找范围(&amp;L)：</translation>
    </message>
    <message>
        <source>Files of &amp;type:</source>
        <translation>文件类型(&amp;T)：</translation>
    </message>
</context>
<context>
    <name>QaPage</name>
    <message>
        <source>Choose a port and a package.</source>
        <translation>请选择端口和授权包。</translation>
    </message>
    <message>
        <source>Port %1 · chip %2 · license %3</source>
        <translation>端口 %1 · 芯片 %2 · 授权 %3</translation>
    </message>
    <message>
        <source>%1 checked: %2 passed, %3 failed</source>
        <translation>已检查 %1 个：%2 个通过，%3 个失败</translation>
    </message>
    <message>
        <source>Save the QA report</source>
        <translation>保存质检报告</translation>
    </message>
    <message>
        <source>CSV (*.csv);;JSON (*.json)</source>
        <translation>CSV (*.csv);;JSON (*.json)</translation>
    </message>
    <message>
        <source>%1 result(s) saved to %2.</source>
        <translation>已将 %1 条结果保存到 %2。</translation>
    </message>
    <message>
        <source>Port:</source>
        <translation>端口：</translation>
    </message>
    <message>
        <source>Package:</source>
        <translation>授权包：</translation>
    </message>
    <message>
        <source>A port of this station, or a name or URL typed in.</source>
        <translation>本工位的端口，或手动输入的端口名称或 URL。</translation>
    </message>
    <message>
        <source>The package the chip should hold a license of.</source>
        <translation>芯片上的授权应当来自的授权包。</translation>
    </message>
    <message>
        <source>If the chip holds a license that needs a check, settle it</source>
        <translation>如果芯片持有待核查的授权，则确定其状态</translation>
    </message>
    <message>
        <source>Batch: keep every result and save a report</source>
        <translation>批量：保留每个结果并保存报告</translation>
    </message>
    <message>
        <source>Save the report…</source>
        <translation>保存报告…</translation>
    </message>
    <message>
        <source>When</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Chip MAC</source>
        <translation>芯片 MAC</translation>
    </message>
    <message>
        <source>Verdict</source>
        <translation>结论</translation>
    </message>
    <message>
        <source>Why</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Checking %1…</source>
        <translation>正在检查 %1…</translation>
    </message>
    <message>
        <source>PASS</source>
        <translation>合格</translation>
    </message>
    <message>
        <source>FAIL</source>
        <translation>不合格</translation>
    </message>
    <message>
        <source>QA check</source>
        <translation>质检</translation>
    </message>
    <message>
        <source>Port</source>
        <translation>端口</translation>
    </message>
    <message>
        <source>Check</source>
        <translation>检查</translation>
    </message>
</context>
<context>
    <name>QaWords</name>
    <message>
        <source>Could not read the chip: {problem}</source>
        <translation>无法读取芯片：{problem}</translation>
    </message>
    <message>
        <source>This chip is {family} ({mac}); the package is for {wanted}</source>
        <translation>此芯片为 {family}（{mac}）；授权包适用于 {wanted}</translation>
    </message>
    <message>
        <source>Chip {family}, MAC {mac}</source>
        <translation>芯片 {family}，MAC {mac}</translation>
    </message>
    <message>
        <source>The chip holds no license ({source} is empty)</source>
        <translation>芯片上没有授权（{source} 为空）</translation>
    </message>
    <message>
        <source>UUID {uuid} is not in this station&apos;s ledger: it came from elsewhere</source>
        <translation>UUID {uuid} 不在本工位的账本中：它来自别处</translation>
    </message>
    <message>
        <source>UUID {uuid} belongs to package {owner}, not to package {package} (order {order}, product {product})</source>
        <translation>UUID {uuid} 属于授权包 {owner}，而不是授权包 {package}（订单 {order}，产品 {product}）</translation>
    </message>
    <message>
        <source>UUID {uuid} belongs to package {owner} (order {owner_order}, product {owner_product}), not to package {package} (order {order}, product {product})</source>
        <translation>UUID {uuid} 属于授权包 {owner}（订单 {owner_order}，产品 {owner_product}），而不是授权包 {package}（订单 {order}，产品 {product}）</translation>
    </message>
    <message>
        <source>UUID {uuid} belongs to order {order}, product {product}</source>
        <translation>UUID {uuid} 属于订单 {order}，产品 {product}</translation>
    </message>
    <message>
        <source>The license record names product {named}, the package {product}</source>
        <translation>授权记录中的产品为 {named}，授权包中的产品为 {product}</translation>
    </message>
    <message>
        <source>The ledger has not given UUID {uuid} to any chip (it is {state})</source>
        <translation>账本尚未把 UUID {uuid} 分配给任何芯片（当前状态：{state}）</translation>
    </message>
    <message>
        <source>This UUID was written to chip {other}, not this one ({mac})</source>
        <translation>此 UUID 写入的是芯片 {other}，而不是这颗芯片（{mac}）</translation>
    </message>
    <message>
        <source>The ledger binds UUID {uuid} to this chip</source>
        <translation>账本将 UUID {uuid} 绑定到这颗芯片</translation>
    </message>
    <message>
        <source>The ledger also binds this chip to {others}: one chip, one license</source>
        <translation>账本还将这颗芯片绑定到 {others}：一颗芯片只能有一个授权</translation>
    </message>
    <message>
        <source>The write log shows UUID {uuid} also written to {macs}</source>
        <translation>写入日志显示 UUID {uuid} 也被写入了 {macs}</translation>
    </message>
    <message>
        <source>The AuthKey matches the ledger&apos;s</source>
        <translation>AuthKey 与账本中的一致</translation>
    </message>
    <message>
        <source>The AuthKey on the chip ({chip_key}) is not the one the ledger holds for UUID {uuid} ({ledger_key})</source>
        <translation>芯片上的 AuthKey（{chip_key}）与账本中 UUID {uuid} 的 AuthKey（{ledger_key}）不一致</translation>
    </message>
    <message>
        <source>The ledger records the license as verified</source>
        <translation>账本记录此授权为已验证</translation>
    </message>
    <message>
        <source>The ledger still holds this license as needs_check: check again with --settle to record it as found on this chip</source>
        <translation>账本中此授权仍为待核查：勾选“确定其状态”后再检查一次，即可记录为在这颗芯片上找到</translation>
    </message>
    <message>
        <source>Not settled: the chip&apos;s AuthKey does not match</source>
        <translation>未确定：芯片的 AuthKey 不一致</translation>
    </message>
    <message>
        <source>Not settled: {why}</source>
        <translation>未确定：{why}</translation>
    </message>
    <message>
        <source>Settled: the ledger now records it as verified here</source>
        <translation>已确定：账本现在记录它在这颗芯片上已验证</translation>
    </message>
    <message>
        <source>The ledger holds this license as {state}, not verified</source>
        <translation>账本中此授权的状态为 {state}，而不是已验证</translation>
    </message>
    <message>
        <source>The firmware version could not be read</source>
        <translation>无法读取固件版本</translation>
    </message>
    <message>
        <source>Firmware {version} is older than the package&apos;s minimum {minimum}</source>
        <translation>固件 {version} 低于授权包要求的最低版本 {minimum}</translation>
    </message>
    <message>
        <source>Firmware {version} is older than the package&apos;s minimum {minimum}: devices shipped below it lose {features}</source>
        <translation>固件 {version} 低于授权包要求的最低版本 {minimum}：以低于该版本出货的设备将失去 {features}</translation>
    </message>
    <message>
        <source>Firmware {version}</source>
        <translation>固件 {version}</translation>
    </message>
    <message>
        <source>Firmware {version} (minimum {minimum})</source>
        <translation>固件 {version}（最低 {minimum}）</translation>
    </message>
    <message>
        <source>The image says {image}, the shell {shell}</source>
        <translation>固件映像显示 {image}，shell 显示 {shell}</translation>
    </message>
    <message>
        <source>The package wrote firmware {written}; it runs {version}</source>
        <translation>授权包写入的固件为 {written}；实际运行的是 {version}</translation>
    </message>
    <message>
        <source>Required feature {name} ({feature_code}) is missing from the license record</source>
        <translation>授权记录中缺少必需功能 {name}（{feature_code}）</translation>
    </message>
    <message>
        <source>Required feature {name} ({feature_code}) is missing from package {owner}, which the license came from</source>
        <translation>授权来源的授权包 {owner} 中缺少必需功能 {name}（{feature_code}）</translation>
    </message>
    <message>
        <source>Required features present: {names}</source>
        <translation>必需功能均已具备：{names}</translation>
    </message>
</context>
<context>
    <name>Reason</name>
    <message>
        <source>Passed</source>
        <translation>通过</translation>
    </message>
    <message>
        <source>No answer from the chip</source>
        <translation>芯片无响应</translation>
    </message>
    <message>
        <source>check the cable and that the board&apos;s auto-reset or boot button is wired</source>
        <translation>请检查数据线，以及板子的自动复位或 BOOT 按键是否接好</translation>
    </message>
    <message>
        <source>Another program holds this port</source>
        <translation>另一个程序占用了此端口</translation>
    </message>
    <message>
        <source>free it as the port&apos;s message says, or install prodtool&apos;s udev rule</source>
        <translation>按端口消息所示释放它，或安装 prodtool 的 udev 规则</translation>
    </message>
    <message>
        <source>The serial number did not go on the unit</source>
        <translation>序列号未能写入设备</translation>
    </message>
    <message>
        <source>retry: the unit keeps its license and its serial number</source>
        <translation>请重试：设备保留其许可证和序列号</translation>
    </message>
    <message>
        <source>The chip was unplugged during the write</source>
        <translation>烧录过程中芯片被拔出</translation>
    </message>
    <message>
        <source>plug it in again firmly and retry</source>
        <translation>请重新插牢后重试</translation>
    </message>
    <message>
        <source>This chip is not the one the package is for</source>
        <translation>此芯片与授权包要求的型号不符</translation>
    </message>
    <message>
        <source>check the tray</source>
        <translation>请检查料盘</translation>
    </message>
    <message>
        <source>Too many errors on the serial link</source>
        <translation>串口通信错误过多</translation>
    </message>
    <message>
        <source>try another cable or USB port, or a lower baud rate in Settings</source>
        <translation>请更换数据线或 USB 口，或在设置中降低波特率</translation>
    </message>
    <message>
        <source>The chip&apos;s flash did not take the firmware</source>
        <translation>芯片 Flash 写入固件失败</translation>
    </message>
    <message>
        <source>retry once; if it fails again, set the module aside as faulty</source>
        <translation>请重试一次；若仍失败，将该模组作为不良品放到一边</translation>
    </message>
    <message>
        <source>The firmware read back differs from what was written</source>
        <translation>回读的固件与写入的不一致</translation>
    </message>
    <message>
        <source>The firmware does not fit this chip&apos;s flash</source>
        <translation>固件超出此芯片的 Flash 容量</translation>
    </message>
    <message>
        <source>check that the module has the flash size the product needs</source>
        <translation>请确认模组的 Flash 容量符合产品要求</translation>
    </message>
    <message>
        <source>The firmware on the chip is older than the package&apos;s minimum version</source>
        <translation>芯片上的固件低于授权包要求的最低版本</translation>
    </message>
    <message>
        <source>write the current firmware first</source>
        <translation>请先烧录当前版本的固件</translation>
    </message>
    <message>
        <source>The chip has no application firmware to authorize</source>
        <translation>芯片上没有可授权的应用固件</translation>
    </message>
    <message>
        <source>an Authorization Only package needs firmware already on the chip</source>
        <translation>仅授权的授权包要求芯片上已有固件</translation>
    </message>
    <message>
        <source>The firmware&apos;s production shell did not answer</source>
        <translation>固件的产测命令行无响应</translation>
    </message>
    <message>
        <source>check that this is the application UART and the firmware has the production shell</source>
        <translation>请确认接的是应用串口，且固件带有产测命令行</translation>
    </message>
    <message>
        <source>The firmware refused the license</source>
        <translation>固件拒绝了该授权</translation>
    </message>
    <message>
        <source>the firmware may be too old for this package; check its version</source>
        <translation>固件版本可能过旧，请检查固件版本</translation>
    </message>
    <message>
        <source>The license read back differs from what was written</source>
        <translation>回读的授权与写入的不一致</translation>
    </message>
    <message>
        <source>the license is held for a check; set the module aside for QA</source>
        <translation>该授权已保留待核查；请将模组交给品检</translation>
    </message>
    <message>
        <source>The chip&apos;s reply was garbled</source>
        <translation>芯片返回的数据是乱码</translation>
    </message>
    <message>
        <source>try another cable or USB port</source>
        <translation>请更换数据线或 USB 口</translation>
    </message>
    <message>
        <source>The chip already holds a different license</source>
        <translation>芯片中已有另一个授权</translation>
    </message>
    <message>
        <source>set the module aside for a supervisor</source>
        <translation>请将模组放到一边，交给主管处理</translation>
    </message>
    <message>
        <source>Another chip reports the same identity</source>
        <translation>另一颗芯片报告了相同的身份</translation>
    </message>
    <message>
        <source>set both modules aside for a supervisor: two chips must never share a license</source>
        <translation>请将两个模组都交给主管：两颗芯片绝不能共用一个授权</translation>
    </message>
    <message>
        <source>This chip is a finished device of another order</source>
        <translation>此芯片是另一订单的成品</translation>
    </message>
    <message>
        <source>set it aside; only a supervisor may choose to overwrite it</source>
        <translation>请放到一边；只有主管可以选择覆盖</translation>
    </message>
    <message>
        <source>No licenses left in this package</source>
        <translation>此授权包已无剩余授权</translation>
    </message>
    <message>
        <source>load the next package</source>
        <translation>请加载下一个授权包</translation>
    </message>
    <message>
        <source>The station cannot record the write</source>
        <translation>工位无法记录本次烧录</translation>
    </message>
    <message>
        <source>the disk may be full or read-only: call a supervisor</source>
        <translation>磁盘可能已满或只读：请联系主管</translation>
    </message>
    <message>
        <source>Written to the chip, not yet recorded</source>
        <translation>已写入芯片，尚未记录</translation>
    </message>
    <message>
        <source>the disk is full: free space; the station records it as soon as it can</source>
        <translation>磁盘已满：请释放空间；工作站会尽快补记</translation>
    </message>
    <message>
        <source>The chip stopped answering</source>
        <translation>芯片停止响应</translation>
    </message>
    <message>
        <source>unplug it, plug it in again and retry</source>
        <translation>请拔出后重新插入，再重试</translation>
    </message>
    <message>
        <source>Stopped by the operator</source>
        <translation>已被操作员停止</translation>
    </message>
    <message>
        <source>Internal error in prodtool</source>
        <translation>prodtool 内部错误</translation>
    </message>
    <message>
        <source>export a support bundle for the developers</source>
        <translation>请导出技术支持包发给开发人员</translation>
    </message>
</context>
<context>
    <name>ScanBar</name>
    <message>
        <source>Scan:</source>
        <translation>扫码：</translation>
    </message>
    <message>
        <source>scan or type a unit&apos;s code, then Enter</source>
        <translation>扫描或输入产品条码，然后按回车</translation>
    </message>
    <message>
        <source>A barcode scanner&apos;s codes are taken here even when this field is not selected; the code goes to the next slot that needs one, or to the slot whose label was scanned just before.</source>
        <translation>即使未选中此输入框，扫码枪扫出的条码也会在这里接收；条码绑定到下一个需要条码的工位，或绑定到刚刚扫描过标签的工位。</translation>
    </message>
</context>
<context>
    <name>ScanDesk</name>
    <message>
        <source>Scanner: %1</source>
        <translation>扫码枪：%1</translation>
    </message>
    <message>
        <source>No station is running.</source>
        <translation>工位未运行。</translation>
    </message>
    <message>
        <source>%1 → slot %2</source>
        <translation>%1 → 工位 %2</translation>
    </message>
    <message>
        <source>Slot %1: now scan the unit&apos;s code.</source>
        <translation>工位 %1：现在请扫描产品条码。</translation>
    </message>
    <message>
        <source>%1: no slot is waiting for a code.</source>
        <translation>%1：没有工位在等待条码。</translation>
    </message>
    <message>
        <source>%1: scan the slot&apos;s label first.</source>
        <translation>%1：请先扫描工位标签。</translation>
    </message>
    <message>
        <source>%1: there is no such slot here.</source>
        <translation>%1：本工位没有这个槽位。</translation>
    </message>
    <message>
        <source>Refused: %1 is not this product&apos;s code (expected %2).</source>
        <translation>已拒绝：%1 不是本产品的条码（应符合 %2）。</translation>
    </message>
    <message>
        <source>Refused: %1 is already bound to slot %2.</source>
        <translation>已拒绝：%1 已绑定到工位 %2。</translation>
    </message>
    <message>
        <source>Refused: slot %1 is writing a chip; scan the next unit after it.</source>
        <translation>已拒绝：工位 %1 正在烧录芯片；请在完成后扫描下一个产品。</translation>
    </message>
    <message>
        <source>Refused: the scan is empty.</source>
        <translation>已拒绝：扫描内容为空。</translation>
    </message>
    <message>
        <source>Refused: the scan holds control characters; check the scanner&apos;s setup.</source>
        <translation>已拒绝：扫描内容含有控制字符；请检查扫码枪的设置。</translation>
    </message>
    <message>
        <source>Refused: %1</source>
        <translation>已拒绝：%1</translation>
    </message>
</context>
<context>
    <name>SecretDialog</name>
    <message>
        <source>Type it in first.</source>
        <translation>请先输入。</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>How this station is named in the write log and exports.</source>
        <translation>本工位在写入日志和导出文件中的名称。</translation>
    </message>
    <message>
        <source>The window&apos;s language; the system&apos;s by default.</source>
        <translation>窗口使用的语言；默认跟随系统。</translation>
    </message>
    <message>
        <source>Start writing as soon as a module is plugged in.</source>
        <translation>模块一插上就开始写入。</translation>
    </message>
    <message>
        <source>Connect attempts:</source>
        <translation>连接尝试次数：</translation>
    </message>
    <message>
        <source>How often to knock on the chip&apos;s boot loader at each rate.</source>
        <translation>在每个波特率下尝试连接芯片引导程序的次数。</translation>
    </message>
    <message>
        <source>Whole-job retries after link errors, each one a rate slower.</source>
        <translation>出现链路错误后整个任务的重试次数，每次降低一档波特率。</translation>
    </message>
    <message>
        <source>Job time limit (s):</source>
        <translation>任务时限（秒）：</translation>
    </message>
    <message>
        <source>A job that runs longer than this is stopped and its port failed.</source>
        <translation>运行超过此时长的任务会被停止，该端口判为失败。</translation>
    </message>
    <message>
        <source>Shell answer time (s):</source>
        <translation>Shell 应答时限（秒）：</translation>
    </message>
    <message>
        <source>How long a TuyaOpen chip&apos;s shell may take to answer one command.</source>
        <translation>TuyaOpen 芯片的 shell 回应一条命令最多可用的时间。</translation>
    </message>
    <message>
        <source>Worker processes:</source>
        <translation>工作进程数：</translation>
    </message>
    <message>
        <source>Processes that run port jobs, 8 ports each. 0 runs jobs inside the window&apos;s own process (fine up to about 8 ports).</source>
        <translation>运行端口任务的进程数，每个进程负责 8 个端口。0 表示在窗口自身的进程中运行任务（约 8 个端口以内适用）。</translation>
    </message>
    <message>
        <source>A chip holds another license:</source>
        <translation>芯片上已有其他授权时：</translation>
    </message>
    <message>
        <source>Quarantine: fail the port and take that license out of use until a supervisor checks it. Report only: fail the port, leave the ledger alone.</source>
        <translation>隔离：端口判为失败，并停用该授权，直到主管检查。仅报告：端口判为失败，不改动授权账本。</translation>
    </message>
    <message>
        <source>USB adapters:</source>
        <translation>USB 转串口适配器：</translation>
    </message>
    <message>
        <source>Only serial ports on ticked adapters are used. Nothing ticked and no other ids: any USB serial adapter.</source>
        <translation>只使用勾选的适配器上的串口。若都未勾选且没有填写其他 ID，则使用任何 USB 串口适配器。</translation>
    </message>
    <message>
        <source>Other USB ids:</source>
        <translation>其他 USB ID：</translation>
    </message>
    <message>
        <source>More adapters as VID:PID in hex, separated by commas, e.g. 1a86:55d3.</source>
        <translation>更多适配器，以十六进制 VID:PID 表示，用逗号分隔，例如 1a86:55d3。</translation>
    </message>
    <message>
        <source>Port name patterns that are never used, such as /dev/ttyS*.</source>
        <translation>永不使用的端口名称模式，例如 /dev/ttyS*。</translation>
    </message>
    <message>
        <source>Quarantine the license</source>
        <translation>隔离该授权</translation>
    </message>
    <message>
        <source>Report only</source>
        <translation>仅报告</translation>
    </message>
    <message numerus="yes">
        <source>%n serial port(s) ignored by this filter: %1</source>
        <translation>
            <numerusform>此筛选条件忽略了 %n 个串口：%1</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 reaches at most %2 baud; faster rates will fail on it and retry slower.</source>
        <translation>%1 最高只支持 %2 波特；更快的波特率在它上面会失败，然后降速重试。</translation>
    </message>
    <message>
        <source>Unknown adapter(s): %1. Check the id in the system&apos;s device list.</source>
        <translation>未知的适配器：%1。请在系统的设备列表中核对其 ID。</translation>
    </message>
    <message>
        <source>Tick at least one baud rate.</source>
        <translation>请至少勾选一个波特率。</translation>
    </message>
    <message>
        <source>No chip family supports %1 baud: untick it.</source>
        <translation>没有芯片系列支持 %1 波特率：请取消勾选。</translation>
    </message>
    <message>
        <source>%1 is not a USB id: write VID:PID in hex, e.g. 1a86:55d3.</source>
        <translation>%1 不是 USB ID：请以十六进制 VID:PID 填写，例如 1a86:55d3。</translation>
    </message>
    <message>
        <source>Port name patterns such as /dev/ttyUSB* or COM1*; empty: all.</source>
        <translation>端口名称模式，例如 /dev/ttyUSB* 或 COM1*；留空表示全部。</translation>
    </message>
    <message>
        <source>Station settings</source>
        <translation>工位设置</translation>
    </message>
    <message>
        <source>Station ID:</source>
        <translation>工位编号：</translation>
    </message>
    <message>
        <source>Language:</source>
        <translation>语言：</translation>
    </message>
    <message>
        <source>Auto-start:</source>
        <translation>自动开始：</translation>
    </message>
    <message>
        <source>Baud rates:</source>
        <translation>波特率：</translation>
    </message>
    <message>
        <source>The rates to write at. Each chip is written at the ticked rates its family supports and its adapter reaches, fastest first, one slower after a link error; with none of them, at its family&apos;s default rate.</source>
        <translation>写入使用的波特率。每个芯片使用其芯片系列支持、且适配器能达到的已勾选波特率，从最快的开始，出现链路错误后改用下一个较慢的；若一个都不符合，则使用该芯片系列的默认波特率。</translation>
    </message>
    <message>
        <source>Retries:</source>
        <translation>重试次数：</translation>
    </message>
    <message>
        <source>Only these ports:</source>
        <translation>仅用这些端口：</translation>
    </message>
    <message>
        <source>Never these ports:</source>
        <translation>不用这些端口：</translation>
    </message>
    <message>
        <source>As the system</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <source>Start writing as soon as a module is plugged in</source>
        <translation>模组一插入就开始烧录</translation>
    </message>
    <message>
        <source>The station needs an ID.</source>
        <translation>工位需要一个编号。</translation>
    </message>
</context>
<context>
    <name>SignInDialog</name>
    <message>
        <source>Operator sign-in</source>
        <translation>操作员登录</translation>
    </message>
    <message>
        <source>Scan your badge:</source>
        <translation>扫描工牌：</translation>
    </message>
    <message>
        <source>or your name:</source>
        <translation>或输入姓名：</translation>
    </message>
    <message>
        <source>and PIN:</source>
        <translation>及 PIN 码：</translation>
    </message>
    <message>
        <source>Your name goes on every write record until the next sign-in.</source>
        <translation>在下次登录之前，您的姓名会记录在每一条烧录记录中。</translation>
    </message>
    <message>
        <source>No operators are set up: your name is taken as you type it.</source>
        <translation>尚未设置操作员：将按您输入的姓名记录。</translation>
    </message>
    <message>
        <source>Scan your badge, or type your name.</source>
        <translation>请扫描工牌，或输入姓名。</translation>
    </message>
    <message>
        <source>This badge is not on the station&apos;s list of operators.</source>
        <translation>此工牌不在本工位的操作员名单中。</translation>
    </message>
    <message>
        <source>Wrong name or PIN.</source>
        <translation>姓名或 PIN 码错误。</translation>
    </message>
</context>
<context>
    <name>SlotMenu</name>
    <message>
        <source>QA this slot…</source>
        <translation>质检此端口…</translation>
    </message>
    <message>
        <source>Rename or renumber this slot…</source>
        <translation>重命名或重新编号此槽位…</translation>
    </message>
    <message>
        <source>Send this adapter to the tray…</source>
        <translation>将此适配器移到待分配区…</translation>
    </message>
</context>
<context>
    <name>SlotTray</name>
    <message>
        <source>Click to assign it to a slot (supervisor PIN).</source>
        <translation>点击将其分配到槽位（需主管 PIN 码）。</translation>
    </message>
    <message>
        <source>Not in a slot (%1):</source>
        <translation>未分配槽位（%1）：</translation>
    </message>
    <message>
        <source>none: every adapter has its slot</source>
        <translation>无：每个适配器都有槽位</translation>
    </message>
</context>
<context>
    <name>State</name>
    <message>
        <source>Waiting</source>
        <translation>等待</translation>
    </message>
    <message>
        <source>Connecting</source>
        <translation>连接中</translation>
    </message>
    <message>
        <source>Identifying</source>
        <translation>识别中</translation>
    </message>
    <message>
        <source>Checking</source>
        <translation>检查中</translation>
    </message>
    <message>
        <source>Writing</source>
        <translation>烧录中</translation>
    </message>
    <message>
        <source>Verifying</source>
        <translation>校验中</translation>
    </message>
    <message>
        <source>Licensing</source>
        <translation>写授权</translation>
    </message>
    <message>
        <source>PASSED</source>
        <translation>通过</translation>
    </message>
    <message>
        <source>FAILED</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>Remove chip</source>
        <translation>请取下</translation>
    </message>
    <message>
        <source>Stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <source>Plug in a module</source>
        <translation>请插入模组</translation>
    </message>
    <message>
        <source>Connecting to the chip</source>
        <translation>正在连接芯片</translation>
    </message>
    <message>
        <source>Reading the chip&apos;s identity</source>
        <translation>正在读取芯片身份</translation>
    </message>
    <message>
        <source>Checking what the chip holds</source>
        <translation>正在检查芯片现有内容</translation>
    </message>
    <message>
        <source>Writing firmware</source>
        <translation>正在烧录固件</translation>
    </message>
    <message>
        <source>Verifying firmware</source>
        <translation>正在校验固件</translation>
    </message>
    <message>
        <source>Writing the license</source>
        <translation>正在写入授权</translation>
    </message>
    <message>
        <source>Verifying the license</source>
        <translation>正在校验授权</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>完成</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>Take the module out</source>
        <translation>请取下模组</translation>
    </message>
    <message>
        <source>Stopped by the operator</source>
        <translation>已被操作员停止</translation>
    </message>
</context>
<context>
    <name>StationWindow</name>
    <message>
        <source>Changing the trusted issuer keys</source>
        <translation>修改受信任的签发方密钥</translation>
    </message>
    <message>
        <source>The trusted issuer keys were not changed.</source>
        <translation>受信任的签发方密钥未更改。</translation>
    </message>
    <message>
        <source>Trusted issuer keys…</source>
        <translation>受信任的签发方密钥…</translation>
    </message>
    <message>
        <source>Licenses to check…</source>
        <translation>待处理的授权…</translation>
    </message>
    <message>
        <source>The settings were not changed.</source>
        <translation>设置未更改。</translation>
    </message>
    <message>
        <source>The supervisor PIN was changed.</source>
        <translation>主管 PIN 码 已修改。</translation>
    </message>
    <message>
        <source>The supervisor PIN was not changed.</source>
        <translation>主管 PIN 码 未修改。</translation>
    </message>
    <message numerus="yes">
        <source>%n serial port(s) ignored by your filter (Supervisor &gt; Settings): %1</source>
        <translation>
            <numerusform>您的筛选条件忽略了 %n 个串口（主管 &gt; 设置）：%1</numerusform>
        </translation>
    </message>
    <message>
        <source>Add port</source>
        <translation>添加端口</translation>
    </message>
    <message>
        <source>A port name (COM3, /dev/ttyUSB0) or URL (socket://host:port, rfc2217://host:port):</source>
        <translation>端口名称（COM3、/dev/ttyUSB0）或 URL（socket://主机:端口、rfc2217://主机:端口）：</translation>
    </message>
    <message>
        <source>%1 is not a serial port: give COM3, /dev/ttyUSB0, socket://host:port or rfc2217://host:port.</source>
        <translation>%1 不是串口：请填写 COM3、/dev/ttyUSB0、socket://主机:端口 或 rfc2217://主机:端口。</translation>
    </message>
    <message>
        <source>Change the supervisor PIN…</source>
        <translation>修改主管 PIN 码…</translation>
    </message>
    <message>
        <source>Operator…</source>
        <translation>操作员…</translation>
    </message>
    <message>
        <source>Add port…</source>
        <translation>添加端口…</translation>
    </message>
    <message>
        <source>No station is running.</source>
        <translation>工位未运行。</translation>
    </message>
    <message>
        <source>Nothing started: %1.</source>
        <translation>未开始：%1。</translation>
    </message>
    <message>
        <source>Changing a slot</source>
        <translation>修改槽位</translation>
    </message>
    <message>
        <source>Wrong PIN: the slot was not changed.</source>
        <translation>PIN 错误：槽位未修改。</translation>
    </message>
    <message>
        <source>Slot %1</source>
        <translation>槽位 %1</translation>
    </message>
    <message>
        <source>Name:</source>
        <translation>名称：</translation>
    </message>
    <message>
        <source>Number:</source>
        <translation>编号：</translation>
    </message>
    <message>
        <source>Changing the slots</source>
        <translation>修改槽位设置</translation>
    </message>
    <message>
        <source>The slots were not changed.</source>
        <translation>槽位未修改。</translation>
    </message>
    <message>
        <source>Assigning an adapter to a slot</source>
        <translation>将适配器分配到槽位</translation>
    </message>
    <message>
        <source>Assign %1 to a slot</source>
        <translation>将 %1 分配到槽位</translation>
    </message>
    <message>
        <source>Slot number:</source>
        <translation>槽位编号：</translation>
    </message>
    <message>
        <source>Slot %1 is writing a chip: assign it when it is done.</source>
        <translation>槽位 %1 正在烧录芯片：请在完成后再分配。</translation>
    </message>
    <message>
        <source>This slot is writing a chip: wait until it is done.</source>
        <translation>此槽位正在烧录芯片：请等待完成。</translation>
    </message>
    <message>
        <source>All slots fine.</source>
        <translation>所有槽位正常。</translation>
    </message>
    <message>
        <source>Needs attention: slot %1</source>
        <translation>需要处理：槽位 %1</translation>
    </message>
    <message>
        <source>Notices</source>
        <translation>通知</translation>
    </message>
    <message>
        <source>Nothing yet.</source>
        <translation>暂无。</translation>
    </message>
    <message>
        <source>PASSED in %1 s, license %2</source>
        <translation>通过，用时 %1 秒，授权 %2</translation>
    </message>
    <message>
        <source>Auto-start: ON</source>
        <translation>自动开始：开</translation>
    </message>
    <message>
        <source>Auto-start: OFF</source>
        <translation>自动开始：关</translation>
    </message>
    <message>
        <source>Load a credential package or License List</source>
        <translation>加载授权包或授权清单</translation>
    </message>
    <message>
        <source>Packages and License Lists (*.prodpkg *.csv *.xlsx);;All files (*)</source>
        <translation>授权包和授权清单 (*.prodpkg *.csv *.xlsx);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Cannot save the shift&apos;s counters: %1</source>
        <translation>无法保存本班次计数：%1</translation>
    </message>
    <message>
        <source>The last package %1 is no longer in %2.</source>
        <translation>上次的授权包 %1 已不在 %2 中。</translation>
    </message>
    <message>
        <source>No package was loaded before.</source>
        <translation>之前没有加载过授权包。</translation>
    </message>
    <message>
        <source>Last package: %1. Station ▸ Load the last package again (the password is asked).</source>
        <translation>上次的授权包：%1。工位 ▸ 重新加载上次的授权包（需再次输入密码）。</translation>
    </message>
    <message>
        <source>Loaded %1.</source>
        <translation>已加载 %1。</translation>
    </message>
    <message>
        <source>Export the write log</source>
        <translation>导出烧录记录</translation>
    </message>
    <message>
        <source>CSV (*.csv);;JSON (*.json)</source>
        <translation>CSV (*.csv);;JSON (*.json)</translation>
    </message>
    <message>
        <source>Export the write log since the last export</source>
        <translation>导出自上次导出以来的烧录记录</translation>
    </message>
    <message>
        <source>Exported %1 record(s) written since the last export to %2, signed (%3).</source>
        <translation>已将自上次导出以来写入的 %1 条记录导出到 %2，并已签名（%3）。</translation>
    </message>
    <message>
        <source>Exported %1 record(s) to %2, signed (%3).</source>
        <translation>已导出 %1 条记录到 %2，并已签名（%3）。</translation>
    </message>
    <message>
        <source>Save a support bundle</source>
        <translation>保存支持包</translation>
    </message>
    <message>
        <source>Support bundle saved to %1.</source>
        <translation>支持包已保存到 %1。</translation>
    </message>
    <message>
        <source>Changing the settings</source>
        <translation>修改设置</translation>
    </message>
    <message>
        <source>Settings saved.</source>
        <translation>设置已保存。</translation>
    </message>
    <message>
        <source>prodtool station %1</source>
        <translation>prodtool 工位 %1</translation>
    </message>
    <message>
        <source>DEMO</source>
        <translation>演示</translation>
    </message>
    <message>
        <source>Load package…</source>
        <translation>加载授权包…</translation>
    </message>
    <message>
        <source>Export write log…</source>
        <translation>导出烧录记录…</translation>
    </message>
    <message>
        <source>Export the write log since the last export…</source>
        <translation>导出自上次导出以来的烧录记录…</translation>
    </message>
    <message>
        <source>Start all waiting</source>
        <translation>开始所有等待中的</translation>
    </message>
    <message>
        <source>Retry all failed</source>
        <translation>重试所有失败的</translation>
    </message>
    <message>
        <source>Notices…</source>
        <translation>通知…</translation>
    </message>
    <message>
        <source>New shift (counters to zero)</source>
        <translation>新班次（计数清零）</translation>
    </message>
    <message>
        <source>Load the last package again…</source>
        <translation>重新加载上次的授权包…</translation>
    </message>
    <message>
        <source>Fixed slots: new adapters wait in the tray</source>
        <translation>固定槽位：新适配器进入待分配区等待</translation>
    </message>
    <message numerus="yes">
        <source>%n module(s) are being written.</source>
        <translation>
            <numerusform>%n 个模块正在写入。</numerusform>
        </translation>
    </message>
    <message>
        <source>Stopping now leaves them half-written.</source>
        <translation>现在停止会使它们只写了一半。</translation>
    </message>
    <message>
        <source>Finish them, then quit</source>
        <translation>写完后再退出</translation>
    </message>
    <message>
        <source>Stop now</source>
        <translation>立即停止</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <source>Stopping now leaves this module half-written.</source>
        <translation>现在停止会使该模块只写了一半。</translation>
    </message>
    <message>
        <source>Let it finish</source>
        <translation>让它写完</translation>
    </message>
    <message numerus="yes">
        <source>Finishing %n module(s), then quitting.</source>
        <translation>
            <numerusform>正在写完 %n 个模块，然后退出。</numerusform>
        </translation>
    </message>
    <message>
        <source>Start writing as soon as a module is plugged in</source>
        <translation>模组一插入就开始烧录</translation>
    </message>
    <message>
        <source>Settings…</source>
        <translation>设置…</translation>
    </message>
    <message>
        <source>QA check…</source>
        <translation>质检…</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <source>&amp;Station</source>
        <translation>工位(&amp;S)</translation>
    </message>
    <message>
        <source>S&amp;upervisor</source>
        <translation>主管(&amp;U)</translation>
    </message>
    <message>
        <source>&amp;Language</source>
        <translation>语言(&amp;L)</translation>
    </message>
</context>
<context>
    <name>ThroughputChart</name>
    <message>
        <source>Devices per %1 min</source>
        <translation>每 %1 分钟的设备数</translation>
    </message>
</context>
<context>
    <name>TrustDialog</name>
    <message>
        <source>Trusted issuer keys</source>
        <translation>受信任的签发方密钥</translation>
    </message>
    <message>
        <source>Packages are accepted only from issuers whose key is listed here. Each line shows the key id and its fingerprint.</source>
        <translation>只接受此处列出密钥的签发方的授权包。每行显示密钥 ID 及其指纹。</translation>
    </message>
    <message>
        <source>Add a key…</source>
        <translation>添加密钥…</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <source>(built-in DEMO key: its packages are marked DEMO)</source>
        <translation>（内置演示密钥：其授权包标记为“演示”）</translation>
    </message>
    <message>
        <source>The issuer&apos;s public key</source>
        <translation>签发方公钥</translation>
    </message>
    <message>
        <source>Public keys (*.pem);;All files (*)</source>
        <translation>公钥 (*.pem);;所有文件 (*)</translation>
    </message>
    <message>
        <source>%1 holds no issuer public key.</source>
        <translation>%1 中没有签发方公钥。</translation>
    </message>
    <message>
        <source>Issuer key %1 is already trusted.</source>
        <translation>签发方密钥 %1 已受信任。</translation>
    </message>
    <message>
        <source>No key was added.</source>
        <translation>未添加密钥。</translation>
    </message>
    <message>
        <source>Packages signed by issuer key %1 are now accepted.</source>
        <translation>现在接受由签发方密钥 %1 签名的授权包。</translation>
    </message>
    <message>
        <source>Remove the key</source>
        <translation>移除密钥</translation>
    </message>
    <message>
        <source>Stop accepting packages signed by issuer key %1?</source>
        <translation>不再接受由签发方密钥 %1 签名的授权包吗？</translation>
    </message>
    <message>
        <source>Packages signed by issuer key %1 are refused from now on.</source>
        <translation>从现在起拒绝由签发方密钥 %1 签名的授权包。</translation>
    </message>
</context>
<context>
    <name>UnlockDialog</name>
    <message>
        <source>Checking the password…</source>
        <translation>正在校验密码…</translation>
    </message>
    <message>
        <source>Wrong password: type it again.</source>
        <translation>密码错误：请重新输入。</translation>
    </message>
</context>
</TS>
